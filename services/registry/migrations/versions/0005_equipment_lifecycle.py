"""equipment lifecycle: the catalogue as reference data, registration, status changes, extras

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 特种设备目录 (2014) as it stood when this revision was written. A migration keeps its own copy:
# the code's catalogue may grow, and each change to it is a migration of its own.
# fmt: off
_CATEGORIES = [
    ("1000", "锅炉", "boiler"),
    ("2000", "压力容器", "pressure vessel"),
    ("3000", "电梯", "elevator"),
    ("4000", "起重机械", "crane"),
    ("5000", "场(厂)内专用机动车辆", "in-plant vehicle"),
    ("6000", "大型游乐设施", "amusement ride"),
    ("7000", "压力管道元件", "pipeline element"),
    ("8000", "压力管道", "pressure pipeline"),
    ("9000", "客运索道", "passenger ropeway"),
    ("F000", "安全附件", "safety accessory"),
]
_VARIETIES = [
    ("1100", "1000", None, "承压蒸汽锅炉"),
    ("1200", "1000", None, "承压热水锅炉"),
    ("1300", "1000", None, "有机热载体锅炉"),
    ("1310", "1000", "1300", "有机热载体气相炉"),
    ("1320", "1000", "1300", "有机热载体液相炉"),
    ("2100", "2000", None, "固定式压力容器"),
    ("2110", "2000", "2100", "超高压容器"),
    ("2130", "2000", "2100", "第三类压力容器"),
    ("2150", "2000", "2100", "第二类压力容器"),
    ("2170", "2000", "2100", "第一类压力容器"),
    ("2200", "2000", None, "移动式压力容器"),
    ("2210", "2000", "2200", "铁路罐车"),
    ("2220", "2000", "2200", "汽车罐车"),
    ("2230", "2000", "2200", "长管拖车"),
    ("2240", "2000", "2200", "罐式集装箱"),
    ("2250", "2000", "2200", "管束式集装箱"),
    ("2300", "2000", None, "气瓶"),
    ("2310", "2000", "2300", "无缝气瓶"),
    ("2320", "2000", "2300", "焊接气瓶"),
    ("23T0", "2000", "2300", "特种气瓶"),
    ("2400", "2000", None, "氧舱"),
    ("2410", "2000", "2400", "医用氧舱"),
    ("2420", "2000", "2400", "高气压舱"),
    ("3100", "3000", None, "曳引与强制驱动电梯"),
    ("3110", "3000", "3100", "曳引驱动乘客电梯"),
    ("3120", "3000", "3100", "曳引驱动载货电梯"),
    ("3130", "3000", "3100", "强制驱动载货电梯"),
    ("3200", "3000", None, "液压驱动电梯"),
    ("3210", "3000", "3200", "液压乘客电梯"),
    ("3220", "3000", "3200", "液压载货电梯"),
    ("3300", "3000", None, "自动扶梯与自动人行道"),
    ("3310", "3000", "3300", "自动扶梯"),
    ("3320", "3000", "3300", "自动人行道"),
    ("3400", "3000", None, "其它类型电梯"),
    ("3410", "3000", "3400", "防爆电梯"),
    ("3420", "3000", "3400", "消防员电梯"),
    ("3430", "3000", "3400", "杂物电梯"),
    ("4100", "4000", None, "桥式起重机"),
    ("4110", "4000", "4100", "通用桥式起重机"),
    ("4130", "4000", "4100", "防爆桥式起重机"),
    ("4140", "4000", "4100", "绝缘桥式起重机"),
    ("4150", "4000", "4100", "冶金桥式起重机"),
    ("4170", "4000", "4100", "电动单梁起重机"),
    ("4190", "4000", "4100", "电动葫芦桥式起重机"),
    ("4200", "4000", None, "门式起重机"),
    ("4210", "4000", "4200", "通用门式起重机"),
    ("4220", "4000", "4200", "防爆门式起重机"),
    ("4230", "4000", "4200", "轨道式集装箱门式起重机"),
    ("4240", "4000", "4200", "轮胎式集装箱门式起重机"),
    ("4250", "4000", "4200", "岸边集装箱起重机"),
    ("4260", "4000", "4200", "造船门式起重机"),
    ("4270", "4000", "4200", "电动葫芦门式起重机"),
    ("4280", "4000", "4200", "装卸桥"),
    ("4290", "4000", "4200", "架桥机"),
    ("4300", "4000", None, "塔式起重机"),
    ("4310", "4000", "4300", "普通塔式起重机"),
    ("4320", "4000", "4300", "电站塔式起重机"),
    ("4400", "4000", None, "流动式起重机"),
    ("4410", "4000", "4400", "轮胎起重机"),
    ("4420", "4000", "4400", "履带起重机"),
    ("4440", "4000", "4400", "集装箱正面吊运起重机"),
    ("4450", "4000", "4400", "铁路起重机"),
    ("4700", "4000", None, "门座式起重机"),
    ("4710", "4000", "4700", "门座起重机"),
    ("4760", "4000", "4700", "固定式起重机"),
    ("4800", "4000", None, "升降机"),
    ("4860", "4000", "4800", "施工升降机"),
    ("4870", "4000", "4800", "简易升降机"),
    ("4900", "4000", None, "缆索式起重机"),
    ("4A00", "4000", None, "桅杆式起重机"),
    ("4D00", "4000", None, "机械式停车设备"),
    ("5100", "5000", None, "机动工业车辆"),
    ("5110", "5000", "5100", "叉车"),
    ("5200", "5000", None, "非公路用旅游观光车辆"),
    ("5210", "5000", "5200", "观光车"),
    ("5220", "5000", "5200", "观光列车"),
    ("6100", "6000", None, "观览车类"),
    ("6200", "6000", None, "滑行车类"),
    ("6300", "6000", None, "架空游览车类"),
    ("6400", "6000", None, "陀螺类"),
    ("6500", "6000", None, "飞行塔类"),
    ("6600", "6000", None, "转马类"),
    ("6700", "6000", None, "自控飞机类"),
    ("6800", "6000", None, "赛车类"),
    ("6900", "6000", None, "小火车类"),
    ("6A00", "6000", None, "碰碰车类"),
    ("6B00", "6000", None, "滑道类"),
    ("6D00", "6000", None, "水上游乐设施"),
    ("6D10", "6000", "6D00", "峡谷漂流系列"),
    ("6D20", "6000", "6D00", "水滑梯系列"),
    ("6D40", "6000", "6D00", "碰碰船系列"),
    ("6E00", "6000", None, "无动力游乐设施"),
    ("6E10", "6000", "6E00", "蹦极系列"),
    ("6E40", "6000", "6E00", "滑索系列"),
    ("6E50", "6000", "6E00", "空中飞人系列"),
    ("6E60", "6000", "6E00", "系留式观光气球系列"),
    ("7100", "7000", None, "压力管道管子"),
    ("7110", "7000", "7100", "无缝钢管"),
    ("7120", "7000", "7100", "焊接钢管"),
    ("7130", "7000", "7100", "有色金属管"),
    ("7140", "7000", "7100", "球墨铸铁管"),
    ("7150", "7000", "7100", "复合管"),
    ("71F0", "7000", "7100", "非金属材料管"),
    ("7200", "7000", None, "压力管道管件"),
    ("7210", "7000", "7200", "非焊接管件(无缝管件)"),
    ("7220", "7000", "7200", "焊接管件(有缝管件)"),
    ("7230", "7000", "7200", "锻制管件"),
    ("7270", "7000", "7200", "复合管件"),
    ("72F0", "7000", "7200", "非金属管件"),
    ("7300", "7000", None, "压力管道阀门"),
    ("7310", "F000", None, "安全阀"),
    ("7400", "7000", None, "压力管道法兰"),
    ("7410", "7000", "7400", "钢制锻造法兰"),
    ("7430", "7000", "7400", "非金属法兰"),
    ("7500", "7000", None, "补偿器"),
    ("7510", "7000", "7500", "金属波纹膨胀节"),
    ("7530", "7000", "7500", "旋转补偿器"),
    ("75F0", "7000", "7500", "非金属膨胀节"),
    ("7700", "7000", None, "压力管道密封元件"),
    ("7710", "7000", "7700", "金属密封元件"),
    ("77F0", "7000", "7700", "非金属密封元件"),
    ("7T00", "7000", None, "压力管道特种元件"),
    ("7T10", "7000", "7T00", "防腐管道元件"),
    ("7TZ0", "7000", "7T00", "元件组合装置"),
    ("8100", "8000", None, "长输管道"),
    ("8110", "8000", "8100", "输油管道"),
    ("8120", "8000", "8100", "输气管道"),
    ("8200", "8000", None, "公用管道"),
    ("8210", "8000", "8200", "燃气管道"),
    ("8220", "8000", "8200", "热力管道"),
    ("8300", "8000", None, "工业管道"),
    ("8310", "8000", "8300", "工艺管道"),
    ("8320", "8000", "8300", "动力管道"),
    ("8330", "8000", "8300", "制冷管道"),
    ("9100", "9000", None, "客运架空索道"),
    ("9110", "9000", "9100", "往复式客运架空索道"),
    ("9120", "9000", "9100", "循环式客运架空索道"),
    ("9200", "9000", None, "客运缆车"),
    ("9210", "9000", "9200", "往复式客运缆车"),
    ("9220", "9000", "9200", "循环式客运缆车"),
    ("9300", "9000", None, "客运拖牵索道"),
    ("9310", "9000", "9300", "低位客运拖牵索道"),
    ("9320", "9000", "9300", "高位客运拖牵索道"),
    ("F220", "F000", None, "爆破片装置"),
    ("F230", "F000", None, "紧急切断阀"),
    ("F260", "F000", None, "气瓶阀门"),
]
# fmt: on


def upgrade() -> None:
    categories = op.create_table(
        "equipment_categories",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_equipment_categories")),
    )
    varieties = op.create_table(
        "equipment_varieties",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("class_code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category"],
            ["equipment_categories.code"],
            name=op.f("fk_equipment_varieties_category_equipment_categories"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_equipment_varieties")),
    )
    op.create_index("ix_equipment_varieties_category", "equipment_varieties", ["category", "code"])
    op.bulk_insert(categories, [{"code": c, "name": n, "name_en": e} for c, n, e in _CATEGORIES])
    op.bulk_insert(
        varieties,
        [{"code": c, "category": k, "class_code": p, "name": n} for c, k, p, n in _VARIETIES],
    )
    # Every variety a record may carry is in the catalogue, so the reference can be enforced.
    op.create_foreign_key(
        op.f("fk_equipment_variety_equipment_varieties"),
        "equipment",
        "equipment_varieties",
        ["variety"],
        ["code"],
    )

    for column in (
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("legacy_registration_code", sa.Text(), nullable=True),
        sa.Column("insurer", sa.Text(), nullable=True),
        sa.Column("insurance_policy_number", sa.Text(), nullable=True),
        sa.Column("insurance_valid_from", sa.Date(), nullable=True),
        sa.Column("insurance_valid_to", sa.Date(), nullable=True),
        sa.Column("remote_monitoring_device_id", sa.Text(), nullable=True),
        sa.Column("installation_notice_id", sa.Uuid(), nullable=True),
    ):
        op.add_column("equipment", column)
    # 4D00 机械式停车设备 (and 23T0, 6A00, 7T00, F220 …): the variety part of a code may hold a
    # capital letter.
    op.drop_constraint(op.f("ck_equipment_equipment_code"), "equipment", type_="check")
    op.create_check_constraint(
        op.f("ck_equipment_equipment_code"),
        "equipment",
        "equipment_code ~ '^[0-9A-Z]{4}[0-9]{14}$'",
    )
    op.create_check_constraint(
        op.f("ck_equipment_legacy_registration_code"),
        "equipment",
        "legacy_registration_code ~ '^[0-9]{20}$'",
    )
    op.create_check_constraint(
        op.f("ck_equipment_registered_on"),
        "equipment",
        "registered_on IS NULL OR registration_number IS NOT NULL",
    )
    op.create_check_constraint(
        op.f("ck_equipment_insurance"),
        "equipment",
        "num_nulls(insurer, insurance_policy_number, insurance_valid_from, insurance_valid_to)"
        " IN (0, 4)",
    )
    op.create_index(
        "ix_equipment_unregistered",
        "equipment",
        ["equipment_code"],
        postgresql_where=sa.text("registration_number IS NULL"),
    )
    op.create_index(
        "ix_equipment_legacy_registration_code",
        "equipment",
        ["legacy_registration_code"],
        postgresql_where=sa.text("legacy_registration_code IS NOT NULL"),
    )

    op.create_table(
        "equipment_status_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_by_organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["equipment_code"],
            ["equipment.equipment_code"],
            name=op.f("fk_equipment_status_changes_equipment_code_equipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_status_changes")),
    )
    op.create_index(
        "ix_equipment_status_changes_equipment",
        "equipment_status_changes",
        ["equipment_code", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_equipment_status_changes_equipment", table_name="equipment_status_changes")
    op.drop_table("equipment_status_changes")
    op.drop_index(
        "ix_equipment_legacy_registration_code",
        table_name="equipment",
        postgresql_where=sa.text("legacy_registration_code IS NOT NULL"),
    )
    op.drop_index(
        "ix_equipment_unregistered",
        table_name="equipment",
        postgresql_where=sa.text("registration_number IS NULL"),
    )
    op.drop_constraint(op.f("ck_equipment_insurance"), "equipment", type_="check")
    op.drop_constraint(op.f("ck_equipment_registered_on"), "equipment", type_="check")
    op.drop_constraint(op.f("ck_equipment_legacy_registration_code"), "equipment", type_="check")
    # Fails while a code holds a letter (4D00 …): such records have no place in the old schema.
    op.drop_constraint(op.f("ck_equipment_equipment_code"), "equipment", type_="check")
    op.create_check_constraint(
        op.f("ck_equipment_equipment_code"), "equipment", "equipment_code ~ '^[0-9]{18}$'"
    )
    for name in (
        "installation_notice_id",
        "remote_monitoring_device_id",
        "insurance_valid_to",
        "insurance_valid_from",
        "insurance_policy_number",
        "insurer",
        "legacy_registration_code",
        "registered_on",
        "status_since",
    ):
        op.drop_column("equipment", name)
    op.drop_constraint(
        op.f("fk_equipment_variety_equipment_varieties"), "equipment", type_="foreignkey"
    )
    op.drop_index("ix_equipment_varieties_category", table_name="equipment_varieties")
    op.drop_table("equipment_varieties")
    op.drop_table("equipment_categories")
