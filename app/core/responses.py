"""Small response helpers shared by routers."""

from fastapi.responses import JSONResponse
from pydantic import BaseModel


def created(body: BaseModel, location: str) -> JSONResponse:
    """201 Created, with the new thing's address in `Location`."""
    return JSONResponse(
        body.model_dump(mode="json"), status_code=201, headers={"Location": location}
    )
