"""``/ui-api/orgs``: create an organization, read it, rename it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hearth_backend.api.schemas import Organization
from hearth_backend.auth.deps import CurrentUser, OrgAdmin, OrgGuest
from hearth_backend.errors import FeatureDisabled
from hearth_backend.state import BackendDep
from hearth_backend.tenancy import orgs
from hearth_backend.tenancy.slugs import DisplayName, OrgSlug

router = APIRouter(prefix="/ui-api/orgs", tags=["organizations"])


class NewOrganization(BaseModel):
    slug: OrgSlug
    name: DisplayName | None = None


class OrganizationChange(BaseModel):
    name: DisplayName


@router.post("", status_code=201, summary="Create an organization (you become its admin)")
async def create_organization(body: NewOrganization, user: CurrentUser, backend: BackendDep) -> Organization:
    if not backend.settings.allow_org_creation and not user.is_admin:
        raise FeatureDisabled("only instance administrators may create organizations on this server")
    organization = await orgs.create_organization(backend.db, body.slug, body.name or body.slug, user.id)
    return Organization.of(organization, "admin")


@router.get("/{org}", summary="An organization you belong to")
async def get_organization(ctx: OrgGuest) -> Organization:
    return Organization.of_context(ctx)


@router.patch("/{org}", summary="Rename an organization (admin)")
async def update_organization(body: OrganizationChange, ctx: OrgAdmin, backend: BackendDep) -> Organization:
    organization = await orgs.rename_organization(backend.db, ctx.organization.id, body.name)
    return Organization.of(organization, ctx.role)
