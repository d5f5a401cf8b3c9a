"""Agreement fixtures: the test department helps `village` (2016), the liaison officer is seconded there, and three
agreements: the department's with `village`, another department's with the same village, and one far away.
A test module takes them with `from tests.evaluation.agreement_fixtures import *`."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from evaluation.models import Agreement
from projects.models import VillagePairing
from supervision.models import Assignment, LiaisonOfficer
from tests.factories import CadreFactory, UserFactory

__all__ = [
    "agreement",
    "agreement_for",
    "clerk",
    "media",
    "neighbour_agreement",
    "officer",
    "other_agreement",
    "paired",
    "pdf_bytes",
    "png_bytes",
    "upload",
]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_bytes() -> bytes:
    return PDF


def png_bytes() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def agreement_for(department, village, *, by, year=2016, **targets) -> Agreement:
    values = {
        "projects_started": 2,
        "members_enrolled": 10,
        "money_invested": Decimal("50000.00"),
        "visits": 4,
        "members_lifted": 3,
    }
    values.update(targets)
    return Agreement.objects.create(
        department=department, village=village, year=year, signed_on=date(year, 3, 1), by=by, **values
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk", role="org_staff")


@pytest.fixture
def paired(department, village):
    """The department helps `village` in 2016 (部门帮村): department staff see the village."""
    return VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")


@pytest.fixture
def officer(liaison, village):
    """The `liaison` user is the officer seconded to `village`."""
    cadre = CadreFactory(name="刘志强")
    liaison.cadre = cadre
    liaison.save(update_fields=["cadre"])
    officer = LiaisonOfficer.objects.create(cadre=cadre, appointed_on=date(2015, 3, 1))
    Assignment.objects.create(officer=officer, village=village, started_on=date(2015, 3, 1))
    return officer


@pytest.fixture
def agreement(department, village, paired, officer, clerk):
    return agreement_for(department, village, by=clerk)


@pytest.fixture
def neighbour_agreement(other_department, village, clerk):
    """Another department's agreement with the same village: seen by the village's people, changed by neither."""
    return agreement_for(other_department, village, by=clerk)


@pytest.fixture
def other_agreement(other_department, other_village, clerk):
    return agreement_for(other_department, other_village, by=clerk)


@pytest.fixture
def upload():
    def make(name="责任书.pdf", content=PDF, content_type="application/pdf"):
        return SimpleUploadedFile(name, content, content_type=content_type)

    return make
