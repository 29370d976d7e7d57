"""``/ui-api/orgs/{org}/channels``: the organization's notification channels.

Organization members and admins see them (URLs masked to scheme and host) and may send a test message;
only admins create, change and delete them. Guests get 403.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from hearth_backend.auth.deps import OrgAdmin, OrgMember
from hearth_backend.state import BackendDep
from hearth_backend.workspace import channels
from hearth_backend.workspace.channels import Channel, ChannelIn, ChannelTestResult

router = APIRouter(prefix="/ui-api/orgs/{org}/channels", tags=["channels"])


@router.get("", summary="The organization's channels, URLs masked (org member+)")
async def list_channels(ctx: OrgMember, backend: BackendDep) -> list[Channel]:
    return await channels.list_channels(backend.db, ctx.organization.id)


@router.post("", status_code=201, summary="Create a channel (org admin)")
async def create_channel(body: ChannelIn, ctx: OrgAdmin, backend: BackendDep) -> Channel:
    return await channels.create_channel(backend.db, ctx.organization.id, body, created_by=ctx.user.id)


@router.put("/{channel_id}", summary="Change a channel; send its URL again (org admin)")
async def update_channel(
    channel_id: uuid.UUID, body: ChannelIn, ctx: OrgAdmin, backend: BackendDep
) -> Channel:
    return await channels.update_channel(backend.db, ctx.organization.id, channel_id, body)


@router.delete("/{channel_id}", status_code=204, summary="Delete a channel (org admin)")
async def delete_channel(channel_id: uuid.UUID, ctx: OrgAdmin, backend: BackendDep) -> Response:
    await channels.delete_channel(backend.db, ctx.organization.id, channel_id)
    return Response(status_code=204)


@router.post(
    "/{channel_id}/test",
    summary="Send a test message now and report the receiver's answer (org member+)",
)
async def test_channel(channel_id: uuid.UUID, ctx: OrgMember, backend: BackendDep) -> ChannelTestResult:
    return await channels.send_test(
        backend.db, ctx.organization.id, ctx.organization.slug, channel_id, sent_by=ctx.user.email
    )
