"""GET /api/v1/regions?parent=CODE: the divisions under a region, for cascading selects (INFO-1).

Reference data, the same for everyone: any authenticated caller may read it (the API-wide token
auth applies). Without ``parent`` the provincial-level divisions; an unknown code is 404.
"""

from ninja import Field, Query, Router, Schema

from kehu.core import regions

router = Router(tags=["regions"])


class RegionFilter(Schema):
    parent: str | None = Field(None, description="上级行政区划代码（GB/T 2260，六位）；不填为省级", max_length=6)


class RegionOut(Schema):
    code: str
    name: str
    level: str = Field(description="province / city / district；直辖市下直接是 district")


@router.get("", response=list[RegionOut], summary="行政区划：某地区的下级（省 / 市 / 区县）")
def region_children(request, filters: Query[RegionFilter]):
    return list(regions.children(filters.parent or None))
