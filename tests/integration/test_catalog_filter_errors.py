"""An invalid spec range drops only the range: the other catalog filters still apply."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_inverted_range_keeps_category_and_origin_filters(web):
    html = web.get(
        "/catalog/?category=magnet&origin_excludes=CN&spec=max_operating_temp_c"
        "&spec_min=200&spec_max=100"
    ).content.decode()
    assert "must not be below" in html
    # Still only magnets: a rotor core or a stator would mean the filters were dropped.
    assert "MAG-N48SH-GD-4930-SGI-KR" in html
    assert ">RC-" not in html and ">SC-" not in html
    # The chosen category stays selected in the form.
    assert '<option value="magnet" selected>' in html


def test_a_range_without_a_spec_keeps_the_supplier_filter(web):
    from parts.models import Part

    part = Part.objects.filter(category="rotor_core").select_related("supplier").first()
    supplier = part.supplier.code
    html = web.get(f"/catalog/?supplier={supplier}&spec_min=1").content.decode()
    assert "choose the spec the range applies to" in html
    count = Part.objects.filter(supplier__code=supplier).count()
    assert count < Part.objects.count()
    assert f"{count} part{'s' if count != 1 else ''}</p>" in html
