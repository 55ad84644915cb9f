"""特种设备目录 — the catalogue of special equipment (国家质检总局 2014 年第 114 号公告).

Codes are strings: the first character is the category (1 … 9, F), the rest narrow it to a
class (类别, e.g. 3100) and a variety (品种, e.g. 3110). A record's `variety` may be a class or a
variety code of its category.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """设备种类 — the ten categories of the catalogue."""

    boiler = "1000"  # 锅炉
    pressure_vessel = "2000"  # 压力容器
    elevator = "3000"  # 电梯
    crane = "4000"  # 起重机械
    in_plant_vehicle = "5000"  # 场(厂)内专用机动车辆
    amusement_ride = "6000"  # 大型游乐设施
    pipeline_element = "7000"  # 压力管道元件
    pressure_pipeline = "8000"  # 压力管道
    passenger_ropeway = "9000"  # 客运索道
    safety_accessory = "F000"  # 安全附件


CATEGORY_LABELS: dict[Category, str] = {
    Category.boiler: "锅炉",
    Category.pressure_vessel: "压力容器",
    Category.elevator: "电梯",
    Category.crane: "起重机械",
    Category.in_plant_vehicle: "场(厂)内专用机动车辆",
    Category.amusement_ride: "大型游乐设施",
    Category.pipeline_element: "压力管道元件",
    Category.pressure_pipeline: "压力管道",
    Category.passenger_ropeway: "客运索道",
    Category.safety_accessory: "安全附件",
}

VARIETIES: dict[str, tuple[Category, str]] = {
    # 锅炉
    "1100": (Category.boiler, "承压蒸汽锅炉"),
    "1200": (Category.boiler, "承压热水锅炉"),
    "1300": (Category.boiler, "有机热载体锅炉"),
    "1310": (Category.boiler, "有机热载体气相炉"),
    "1320": (Category.boiler, "有机热载体液相炉"),
    # 压力容器
    "2100": (Category.pressure_vessel, "固定式压力容器"),
    "2110": (Category.pressure_vessel, "超高压容器"),
    "2130": (Category.pressure_vessel, "第三类压力容器"),
    "2150": (Category.pressure_vessel, "第二类压力容器"),
    "2170": (Category.pressure_vessel, "第一类压力容器"),
    "2200": (Category.pressure_vessel, "移动式压力容器"),
    "2210": (Category.pressure_vessel, "铁路罐车"),
    "2220": (Category.pressure_vessel, "汽车罐车"),
    "2230": (Category.pressure_vessel, "长管拖车"),
    "2240": (Category.pressure_vessel, "罐式集装箱"),
    "2250": (Category.pressure_vessel, "管束式集装箱"),
    "2300": (Category.pressure_vessel, "气瓶"),
    "2310": (Category.pressure_vessel, "无缝气瓶"),
    "2320": (Category.pressure_vessel, "焊接气瓶"),
    "23T0": (Category.pressure_vessel, "特种气瓶"),
    "2400": (Category.pressure_vessel, "氧舱"),
    "2410": (Category.pressure_vessel, "医用氧舱"),
    "2420": (Category.pressure_vessel, "高气压舱"),
    # 电梯
    "3100": (Category.elevator, "曳引与强制驱动电梯"),
    "3110": (Category.elevator, "曳引驱动乘客电梯"),
    "3120": (Category.elevator, "曳引驱动载货电梯"),
    "3130": (Category.elevator, "强制驱动载货电梯"),
    "3200": (Category.elevator, "液压驱动电梯"),
    "3210": (Category.elevator, "液压乘客电梯"),
    "3220": (Category.elevator, "液压载货电梯"),
    "3300": (Category.elevator, "自动扶梯与自动人行道"),
    "3310": (Category.elevator, "自动扶梯"),
    "3320": (Category.elevator, "自动人行道"),
    "3400": (Category.elevator, "其它类型电梯"),
    "3410": (Category.elevator, "防爆电梯"),
    "3420": (Category.elevator, "消防员电梯"),
    "3430": (Category.elevator, "杂物电梯"),
    # 起重机械
    "4100": (Category.crane, "桥式起重机"),
    "4110": (Category.crane, "通用桥式起重机"),
    "4130": (Category.crane, "防爆桥式起重机"),
    "4140": (Category.crane, "绝缘桥式起重机"),
    "4150": (Category.crane, "冶金桥式起重机"),
    "4170": (Category.crane, "电动单梁起重机"),
    "4190": (Category.crane, "电动葫芦桥式起重机"),
    "4200": (Category.crane, "门式起重机"),
    "4210": (Category.crane, "通用门式起重机"),
    "4220": (Category.crane, "防爆门式起重机"),
    "4230": (Category.crane, "轨道式集装箱门式起重机"),
    "4240": (Category.crane, "轮胎式集装箱门式起重机"),
    "4250": (Category.crane, "岸边集装箱起重机"),
    "4260": (Category.crane, "造船门式起重机"),
    "4270": (Category.crane, "电动葫芦门式起重机"),
    "4280": (Category.crane, "装卸桥"),
    "4290": (Category.crane, "架桥机"),
    "4300": (Category.crane, "塔式起重机"),
    "4310": (Category.crane, "普通塔式起重机"),
    "4320": (Category.crane, "电站塔式起重机"),
    "4400": (Category.crane, "流动式起重机"),
    "4410": (Category.crane, "轮胎起重机"),
    "4420": (Category.crane, "履带起重机"),
    "4440": (Category.crane, "集装箱正面吊运起重机"),
    "4450": (Category.crane, "铁路起重机"),
    "4700": (Category.crane, "门座式起重机"),
    "4710": (Category.crane, "门座起重机"),
    "4760": (Category.crane, "固定式起重机"),
    "4800": (Category.crane, "升降机"),
    "4860": (Category.crane, "施工升降机"),
    "4870": (Category.crane, "简易升降机"),
    "4900": (Category.crane, "缆索式起重机"),
    "4A00": (Category.crane, "桅杆式起重机"),
    # 4D00 is a class of 起重机械 whose code carries a letter, like 6A00 or 23T0: codes are
    # characters, not numbers.
    "4D00": (Category.crane, "机械式停车设备"),
    # 场(厂)内专用机动车辆
    "5100": (Category.in_plant_vehicle, "机动工业车辆"),
    "5110": (Category.in_plant_vehicle, "叉车"),
    "5200": (Category.in_plant_vehicle, "非公路用旅游观光车辆"),
    "5210": (Category.in_plant_vehicle, "观光车"),
    "5220": (Category.in_plant_vehicle, "观光列车"),
    # 大型游乐设施
    "6100": (Category.amusement_ride, "观览车类"),
    "6200": (Category.amusement_ride, "滑行车类"),
    "6300": (Category.amusement_ride, "架空游览车类"),
    "6400": (Category.amusement_ride, "陀螺类"),
    "6500": (Category.amusement_ride, "飞行塔类"),
    "6600": (Category.amusement_ride, "转马类"),
    "6700": (Category.amusement_ride, "自控飞机类"),
    "6800": (Category.amusement_ride, "赛车类"),
    "6900": (Category.amusement_ride, "小火车类"),
    "6A00": (Category.amusement_ride, "碰碰车类"),
    "6B00": (Category.amusement_ride, "滑道类"),
    "6D00": (Category.amusement_ride, "水上游乐设施"),
    "6D10": (Category.amusement_ride, "峡谷漂流系列"),
    "6D20": (Category.amusement_ride, "水滑梯系列"),
    "6D40": (Category.amusement_ride, "碰碰船系列"),
    "6E00": (Category.amusement_ride, "无动力游乐设施"),
    "6E10": (Category.amusement_ride, "蹦极系列"),
    "6E40": (Category.amusement_ride, "滑索系列"),
    "6E50": (Category.amusement_ride, "空中飞人系列"),
    "6E60": (Category.amusement_ride, "系留式观光气球系列"),
    # 压力管道元件
    "7100": (Category.pipeline_element, "压力管道管子"),
    "7110": (Category.pipeline_element, "无缝钢管"),
    "7120": (Category.pipeline_element, "焊接钢管"),
    "7130": (Category.pipeline_element, "有色金属管"),
    "7140": (Category.pipeline_element, "球墨铸铁管"),
    "7150": (Category.pipeline_element, "复合管"),
    "71F0": (Category.pipeline_element, "非金属材料管"),
    "7200": (Category.pipeline_element, "压力管道管件"),
    "7210": (Category.pipeline_element, "非焊接管件(无缝管件)"),
    "7220": (Category.pipeline_element, "焊接管件(有缝管件)"),
    "7230": (Category.pipeline_element, "锻制管件"),
    "7270": (Category.pipeline_element, "复合管件"),
    "72F0": (Category.pipeline_element, "非金属管件"),
    "7300": (Category.pipeline_element, "压力管道阀门"),
    "7400": (Category.pipeline_element, "压力管道法兰"),
    "7410": (Category.pipeline_element, "钢制锻造法兰"),
    "7430": (Category.pipeline_element, "非金属法兰"),
    "7500": (Category.pipeline_element, "补偿器"),
    "7510": (Category.pipeline_element, "金属波纹膨胀节"),
    "7530": (Category.pipeline_element, "旋转补偿器"),
    "75F0": (Category.pipeline_element, "非金属膨胀节"),
    "7700": (Category.pipeline_element, "压力管道密封元件"),
    "7710": (Category.pipeline_element, "金属密封元件"),
    "77F0": (Category.pipeline_element, "非金属密封元件"),
    "7T00": (Category.pipeline_element, "压力管道特种元件"),
    "7T10": (Category.pipeline_element, "防腐管道元件"),
    "7TZ0": (Category.pipeline_element, "元件组合装置"),
    # 压力管道
    "8100": (Category.pressure_pipeline, "长输管道"),
    "8110": (Category.pressure_pipeline, "输油管道"),
    "8120": (Category.pressure_pipeline, "输气管道"),
    "8200": (Category.pressure_pipeline, "公用管道"),
    "8210": (Category.pressure_pipeline, "燃气管道"),
    "8220": (Category.pressure_pipeline, "热力管道"),
    "8300": (Category.pressure_pipeline, "工业管道"),
    "8310": (Category.pressure_pipeline, "工艺管道"),
    "8320": (Category.pressure_pipeline, "动力管道"),
    "8330": (Category.pressure_pipeline, "制冷管道"),
    # 客运索道
    "9100": (Category.passenger_ropeway, "客运架空索道"),
    "9110": (Category.passenger_ropeway, "往复式客运架空索道"),
    "9120": (Category.passenger_ropeway, "循环式客运架空索道"),
    "9200": (Category.passenger_ropeway, "客运缆车"),
    "9210": (Category.passenger_ropeway, "往复式客运缆车"),
    "9220": (Category.passenger_ropeway, "循环式客运缆车"),
    "9300": (Category.passenger_ropeway, "客运拖牵索道"),
    "9310": (Category.passenger_ropeway, "低位客运拖牵索道"),
    "9320": (Category.passenger_ropeway, "高位客运拖牵索道"),
    # 安全附件
    "7310": (Category.safety_accessory, "安全阀"),
    "F220": (Category.safety_accessory, "爆破片装置"),
    "F230": (Category.safety_accessory, "紧急切断阀"),
    "F260": (Category.safety_accessory, "气瓶阀门"),
}


GAS_CYLINDER_CLASS = "2300"  # 气瓶


def variety_belongs_to(variety: str, category: Category) -> bool:
    entry = VARIETIES.get(variety)
    return entry is not None and entry[0] is category


def class_of(code: str) -> str | None:
    """The class (类别, e.g. 3100) a variety (3110) belongs to; None for a class itself, or for
    a variety listed without a class of its own category (安全阀 7310 is a safety accessory, not
    a pipeline valve of class 7300)."""
    entry = VARIETIES.get(code)
    if entry is None:
        return None
    candidate = code[:2] + "00"
    parent = VARIETIES.get(candidate)
    if candidate == code or parent is None or parent[0] is not entry[0]:
        return None
    return candidate


def is_gas_cylinder(variety: str) -> bool:
    """气瓶 (2300 and its varieties 2310, 2320, 23T0)."""
    return variety == GAS_CYLINDER_CLASS or class_of(variety) == GAS_CYLINDER_CLASS
