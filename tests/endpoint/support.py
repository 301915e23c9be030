"""Helpers of the endpoint tests."""

from __future__ import annotations

from flask.testing import FlaskClient


def put_turtle(client: FlaskClient, graph: str, turtle: str, token: str) -> None:
    """Replace ``graph`` with ``turtle`` through the Graph Store Protocol, as the token holder,
    and check that the graph was created."""
    response = client.put(
        f"/store?graph={graph}",
        data=turtle,
        content_type="text/turtle",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.data
