"""Invitations: ``/ui-api/orgs/{org}/invitations`` (admins) and ``POST /ui-api/invitations/accept``.

The link an admin shares is ``{public base}/invitations/accept?token=<token>`` (a web UI page): a
signed-in user accepts with ``POST /ui-api/invitations/accept``; someone without an account creates a
local one with ``POST /ui-api/auth/register``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, field_validator

from hearth_backend.api.schemas import Organization
from hearth_backend.auth.deps import CurrentUser, OrgAdmin
from hearth_backend.state import BackendDep
from hearth_backend.tenancy import invitations
from hearth_backend.tenancy.orgs import membership_by_slug
from hearth_backend.tenancy.roles import OrgRole
from hearth_backend.tenancy.users import is_email

router = APIRouter(prefix="/ui-api", tags=["invitations"])

ACCEPT_PAGE = "/invitations/accept"


class NewInvitation(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    role: OrgRole = "member"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not is_email(value):
            raise ValueError("must be an email address")
        return value


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: OrgRole
    created_at: datetime
    expires_at: datetime
    expired: bool


class CreatedInvitation(InvitationOut):
    accept_url: str = Field(description="The link to send to the invitee (its token is shown only now)")


class Acceptance(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class Accepted(BaseModel):
    organization: Organization


def _out(invitation: invitations.Invitation, now: datetime) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        expired=invitation.expires_at <= now,
    )


@router.get("/orgs/{org}/invitations", summary="Pending invitations (admin)")
async def list_invitations(ctx: OrgAdmin, backend: BackendDep) -> list[InvitationOut]:
    now: datetime = await backend.db.fetchval("SELECT now()")
    return [_out(i, now) for i in await invitations.pending_invitations(backend.db, ctx.organization.id)]


@router.post("/orgs/{org}/invitations", status_code=201, summary="Invite someone by email (admin)")
async def create_invitation(
    body: NewInvitation, request: Request, ctx: OrgAdmin, backend: BackendDep
) -> CreatedInvitation:
    token, invitation = await invitations.create_invitation(
        backend.db,
        ctx.organization.id,
        body.email,
        body.role,
        invited_by=ctx.user.id,
        ttl=timedelta(days=backend.settings.invitation_ttl_days),
    )
    out = _out(invitation, invitation.created_at)
    accept_url = f"{backend.base_url(request)}{ACCEPT_PAGE}?token={quote(token)}"
    return CreatedInvitation(**out.model_dump(), accept_url=accept_url)


@router.delete(
    "/orgs/{org}/invitations/{invitation_id}", status_code=204, summary="Revoke an invitation (admin)"
)
async def revoke_invitation(invitation_id: uuid.UUID, ctx: OrgAdmin, backend: BackendDep) -> Response:
    await invitations.revoke_invitation(backend.db, ctx.organization.id, invitation_id)
    return Response(status_code=204)


@router.post("/invitations/accept", summary="Accept an invitation sent to your email")
async def accept_invitation(body: Acceptance, user: CurrentUser, backend: BackendDep) -> Accepted:
    async with backend.db.acquire() as conn, conn.transaction():
        _, organization = await invitations.accept_invitation(conn, body.token, user)
    membership = await membership_by_slug(backend.db, user.id, organization.slug)
    assert membership is not None
    return Accepted(organization=Organization.of(membership.organization, membership.role))
