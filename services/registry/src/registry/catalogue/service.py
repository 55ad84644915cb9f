"""Reading the catalogue (特种设备目录)."""

from __future__ import annotations

from registry.catalogue import queries
from registry.catalogue.rules import registered_here, varieties_by_category
from registry.catalogue.schemas import CatalogueRead, CategoryRead, VarietyRead
from tzsb_common.pg import Database


async def get_catalogue(database: Database) -> CatalogueRead:
    async with database.connection() as conn:
        categories = await queries.categories(conn)
        varieties = varieties_by_category(await queries.varieties(conn))
    return CatalogueRead(
        categories=[
            CategoryRead(
                code=category["code"],
                name=category["name"],
                name_en=category["name_en"],
                varieties=[
                    VarietyRead(
                        code=variety["code"],
                        name=variety["name"],
                        class_code=variety["class_code"],
                        registered_here=registered_here(variety["code"]),
                    )
                    for variety in varieties.get(category["code"], [])
                ],
            )
            for category in categories
        ]
    )
