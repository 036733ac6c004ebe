"""What an upload may be, for the upload page to say before the user picks a file."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.schemas import Limits
from services.common.settings import get_settings

router = APIRouter(tags=["jobs"])


@router.get("/limits", response_model=Limits)
def limits() -> Limits:
    s = get_settings()
    return Limits(max_upload_mb=s.max_upload_mb, max_audio_minutes=s.max_audio_minutes)
