"""Reads a Nightscout site's treatments, device statuses and profiles with py-nightscout (Home
Assistant's Nightscout library), unchanged: `python py_nightscout_read.py URL SECRET` prints,
as JSON, what the library parsed (its model objects' attributes, not the raw answer).
A SECRET starting `token=` is sent as is (a follower token); another as its SHA-1 hex.
Exits 1 with the error on stderr if the library fails."""

import asyncio
import json
import sys

import py_nightscout


def when(value):
    return value.isoformat() if value is not None else None


async def main(url: str, secret: str) -> None:
    api = py_nightscout.Api(url, api_secret=secret)
    treatments = await api.get_treatments()
    statuses = await api.get_devices_status()
    profiles = await api.get_profiles()
    out = {
        "treatments": [
            {
                "eventType": t.eventType,
                "created_at": when(t.created_at),
                "insulin": t.insulin,
                "carbs": t.carbs,
                "rate": t.rate,
                "absolute": t.absolute,
                "duration": t.duration,
                "enteredBy": t.enteredBy,
            }
            for t in treatments
        ],
        "devicestatus": [
            {
                "device": s.device,
                "created_at": when(s.created_at),
                "uploaderBattery": s.uploader.battery if s.uploader else None,
                "reservoir": s.pump.reservoir if s.pump else None,
                "pumpBattery": (s.pump.battery.percent
                                if s.pump and s.pump.battery and hasattr(s.pump.battery, "percent")
                                else (s.pump.battery._json.get("percent") if s.pump and s.pump.battery else None)),
                "openaps": s.openaps,
            }
            for s in statuses
        ],
        "profiles": [
            {
                "defaultProfile": d.defaultProfile,
                "startDate": when(d.startDate),
                "dia": d.get_default_profile().dia,
                "basal": [e.value for e in d.get_default_profile().basal.entries],
            }
            for d in profiles.profile_definitions
        ],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    except Exception as e:  # the library's own error, reported as is
        print(f"py-nightscout: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
