from __future__ import annotations

from pydantic import BaseModel, Field


class VarietyRead(BaseModel):
    code: str = Field(description="类别/品种代码, e.g. 3100, 3110, 4D00")
    name: str = Field(description="中文名称")
    class_code: str | None = Field(description="the class (类别) of a variety; null for a class")
    registered_here: bool = Field(
        description="entered in this register one by one (气瓶 are not: the cylinder service "
        "registers them)"
    )


class CategoryRead(BaseModel):
    code: str = Field(description="设备种类代码, e.g. 3000")
    name: str = Field(description="中文名称, e.g. 电梯")
    name_en: str = Field(description="e.g. elevator")
    varieties: list[VarietyRead]


class CatalogueRead(BaseModel):
    """特种设备目录 (2014): every category with its classes and varieties."""

    categories: list[CategoryRead]
