"""Reads a Nightscout site's status with py-nightscout (Home Assistant's Nightscout library),
unchanged: `python py_nightscout_status.py URL SECRET` prints the status it parsed as JSON.
A SECRET starting `token=` is sent as is (a follower token); another is sent as its SHA-1 hex.
Exits 1 with the error on stderr if the library fails."""

import asyncio
import json
import sys

import py_nightscout


async def main(url: str, secret: str) -> None:
    api = py_nightscout.Api(url, api_secret=secret)
    status = await api.get_server_status()
    print(
        json.dumps(
            {
                "status": status.status,
                "name": status.name,
                "version": status.version,
                "apiEnabled": status.apiEnabled,
                "settings": status.settings,
            }
        )
    )


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    except Exception as e:  # the library's own error, reported as is
        print(f"py-nightscout: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
