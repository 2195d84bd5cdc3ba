"""`waymark seed --demo N`: plausible, clearly fake resources for trying search and for benchmarks.

Every demo record says so: its name starts with "Demo:", its description with "[Demo data]", its
organization is "Demo organization …", and it carries `waymark_demo: true`. Ids are derived from
the generator's seed, so running it twice adds nothing. Demo data is never part of `waymark seed`.
"""

import random
import uuid
from datetime import UTC, datetime

from sqlmodel import Session, select

from app.core.clock import rfc3339
from app.models import Organization, Service
from app.resources.categories import NAMESPACE, category_id
from app.resources.documents import child_id, project
from app.resources.service import apply_projection, place_rows, search_links

DEMO_NAMESPACE = uuid.uuid5(NAMESPACE, "demo")
BATCH = 2000

CITIES = [
    ("New York", "NY", 40.7128, -74.0060, "America/New_York"),
    ("Los Angeles", "CA", 34.0522, -118.2437, "America/Los_Angeles"),
    ("Chicago", "IL", 41.8781, -87.6298, "America/Chicago"),
    ("Houston", "TX", 29.7604, -95.3698, "America/Chicago"),
    ("Phoenix", "AZ", 33.4484, -112.0740, "America/Phoenix"),
    ("Philadelphia", "PA", 39.9526, -75.1652, "America/New_York"),
    ("San Antonio", "TX", 29.4241, -98.4936, "America/Chicago"),
    ("San Diego", "CA", 32.7157, -117.1611, "America/Los_Angeles"),
    ("Dallas", "TX", 32.7767, -96.7970, "America/Chicago"),
    ("Atlanta", "GA", 33.7490, -84.3880, "America/New_York"),
    ("Miami", "FL", 25.7617, -80.1918, "America/New_York"),
    ("Seattle", "WA", 47.6062, -122.3321, "America/Los_Angeles"),
    ("Denver", "CO", 39.7392, -104.9903, "America/Denver"),
    ("Boston", "MA", 42.3601, -71.0589, "America/New_York"),
    ("Detroit", "MI", 42.3314, -83.0458, "America/Detroit"),
    ("Minneapolis", "MN", 44.9778, -93.2650, "America/Chicago"),
    ("Portland", "OR", 45.5152, -122.6784, "America/Los_Angeles"),
    ("Las Vegas", "NV", 36.1699, -115.1398, "America/Los_Angeles"),
    ("Nashville", "TN", 36.1627, -86.7816, "America/Chicago"),
    ("Baltimore", "MD", 39.2904, -76.6122, "America/New_York"),
    ("Albuquerque", "NM", 35.0844, -106.6504, "America/Denver"),
    ("New Orleans", "LA", 29.9511, -90.0715, "America/Chicago"),
    ("Honolulu", "HI", 21.3069, -157.8583, "Pacific/Honolulu"),
    ("Anchorage", "AK", 61.2181, -149.9003, "America/Anchorage"),
]
KINDS = {
    "shelter": ["Family Shelter", "Safe House", "Women's Shelter", "Youth Shelter"],
    "housing": ["Transitional Housing", "Housing Help Desk", "Rent Assistance"],
    "hotline": ["Crisis Line", "Help Line", "Warm Line"],
    "daycare": ["Child Care Center", "Drop-in Daycare"],
    "food": ["Food Pantry", "Community Kitchen", "Free Meals"],
    "financial": ["Emergency Fund", "Benefits Clinic", "Financial Coaching"],
    "legal": ["Legal Aid", "Record Clearing Clinic", "Victim Rights Law Center"],
    "immigration": ["Immigration Legal Services", "T-Visa Clinic"],
    "substance-use": ["Detox Center", "Recovery Clinic", "Harm Reduction Center"],
    "mental-health": ["Counseling Center", "Trauma Therapy Clinic"],
    "medical": ["Community Clinic", "Women's Health Center"],
    "employment": ["Job Training Program", "Career Center"],
    "peer-support": ["Peer Support Group", "Survivor Mentors"],
    "trafficking-services": ["Anti-Trafficking Program", "Survivor Advocacy Center"],
}
PLACES = ["Lakeside", "Riverside", "Northside", "Eastside", "Harbor", "Hillcrest", "Union", "Oak"]
LANGUAGES = ["es", "zh", "vi", "ko", "ru", "ar", "fr", "ht", "tl", "pt"]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def _document(rng: random.Random, service_id: uuid.UUID, index: int) -> tuple[dict, str]:  # type: ignore[type-arg]
    city, state, lat, lng, zone = CITIES[index % len(CITIES)]
    main = rng.choice(list(KINDS))
    extra = rng.sample([slug for slug in KINDS if slug != main], k=rng.randint(0, 2))
    name = f"Demo: {rng.choice(PLACES)} {rng.choice(KINDS[main])} #{index}"
    confidential = main == "shelter" and rng.random() < 0.3
    open_24_7 = main == "hotline" or rng.random() < 0.1
    sid = str(service_id)
    doc: dict = {  # type: ignore[type-arg]
        "id": sid,
        "name": name,
        "description": f"[Demo data] {KINDS[main][0]} in {city}: "
        + rng.choice(["walk-ins welcome", "call first", "by referral", "no ID needed"])
        + f". Serves {rng.choice(['adults', 'families', 'youth', 'survivors'])}.",
        "status": "active",
        "phones": [
            {"id": child_id(sid, "phone/0"), "number": f"555-01{index % 100:02d}", "type": "voice"}
        ],
        "languages": [
            {"id": child_id(sid, f"language/{code}"), "code": code}
            for code in ["en", *rng.sample(LANGUAGES, k=rng.randint(0, 2))]
        ],
        "attributes": [
            {
                "id": child_id(sid, f"category/{slug}"),
                "taxonomy_term_id": str(category_id(slug)),
                "value": slug,
            }
            for slug in [main, *extra]
        ],
        "service_at_locations": [
            {
                "id": child_id(sid, "service_at_location"),
                "location": {
                    "id": child_id(sid, "location"),
                    "location_type": "physical",
                    "latitude": round(lat + rng.uniform(-0.25, 0.25), 6),
                    "longitude": round(lng + rng.uniform(-0.3, 0.3), 6),
                    "addresses": [
                        {
                            "id": child_id(sid, "address"),
                            "address_1": f"{rng.randint(1, 9999)} Demo Street",
                            "city": city,
                            "state_province": state,
                            "postal_code": f"{rng.randint(10000, 99999)}",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "schedules": []
        if open_24_7
        else [
            {
                "id": child_id(sid, "schedule/0"),
                "freq": "WEEKLY",
                "byday": ",".join(WEEKDAYS),
                "opens_at": f"{rng.choice([7, 8, 9, 10]):02d}:00:00",
                "closes_at": f"{rng.choice([16, 17, 18, 20]):02d}:00:00",
            }
        ],
        "waymark_demo": True,
        "waymark_confidential": confidential,
        "waymark_free": rng.random() < 0.7,
        "waymark_open_24_7": open_24_7,
        "waymark_timezone": zone,
    }
    return doc, city


def add_demo(session: Session, count: int, seed: int = 1) -> int:
    """Add `count` demo services (skipping ids already there); returns how many were added."""
    rng = random.Random(seed)  # noqa: S311 - fake data, not secrets
    now = datetime.now(UTC)
    stamp = rfc3339(now)
    organizations: dict[str, uuid.UUID] = {}
    existing = set(session.exec(select(Service.id)).all())
    added = 0
    for index in range(count):
        service_id = uuid.uuid5(DEMO_NAMESPACE, f"{seed}/{index}")
        doc, city = _document(rng, service_id, index)
        if service_id in existing:
            continue
        org_name = f"Demo organization {city} {index // 50}"
        if org_name not in organizations:
            org_id = uuid.uuid5(DEMO_NAMESPACE, f"{seed}/org/{org_name}")
            organizations[org_name] = org_id
            if session.get(Organization, org_id) is None:
                session.add(
                    Organization(
                        id=org_id,
                        name=org_name,
                        document={
                            "id": str(org_id),
                            "name": org_name,
                            "description": "[Demo data]",
                        },
                        last_modified=now,
                    )
                )
        doc["organization_id"] = str(organizations[org_name])
        doc["last_modified"] = stamp
        projection = project(doc, org_name)
        service = Service(
            id=service_id,
            organization_id=organizations[org_name],
            document=doc,
            last_modified=now,
            name="",
            status="active",
        )
        # Every demo location is the service's own: no other service can make it secret.
        apply_projection(service, projection, set())
        session.add(service)
        session.add_all(search_links(service_id, projection, projection.term_ids))
        session.add_all(place_rows(service_id, projection, set()))
        added += 1
        if added % BATCH == 0:
            session.commit()
    session.commit()
    return added
