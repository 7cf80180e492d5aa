"""The built-in checklist library: the checks the seeds and the standards ask for, as data.

Each template has a stable `code` (the rule id of domain.md where there is one), a `source`
naming the seed and rule, and items written the way a school safety officer reads them. The
Chinese here is data, not interface text.

`load_library()` writes the library: idempotent by code. A template whose items have not
changed is left alone; one whose items changed gets its current version rewritten only if no
inspection has used it yet, and otherwise a new version is published, so that past
inspections keep the items they answered. The data migration `0002_builtin_library` calls it
with the historical models; `seed-demo` calls it again so a database created before a change
to the library catches up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from safecampus.hazards.choices import Category as C
from safecampus.hazards.choices import Grade as G
from safecampus.hazards.choices import Rhythm, SpotKind
from safecampus.orgs.choices import DepartmentKind as D


@dataclass(frozen=True)
class Item:
    text: str
    category: str
    guidance: str = ""
    photo_required: bool = False
    default_grade: str = G.GENERAL
    department_kinds: tuple[str, ...] = ()

    def key(self) -> tuple:
        return (
            self.text,
            str(self.category),
            self.guidance,
            self.photo_required,
            str(self.default_grade),
            sorted(str(k) for k in self.department_kinds),
        )


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    rhythm: str
    source: str
    items: tuple[Item, ...]
    description: str = ""
    spot_kind: str = ""


I = Item  # noqa: E741  short, so that the table below reads like a checklist

DAILY = Template(
    code="INSPECT-DAILY",
    name="敏感部位日检查",
    rhythm=Rhythm.SCHOOL_DAY,
    spot_kind=SpotKind.SENSITIVE,
    source="INSPECT-DAILY：种子000 §四.四（敏感部位日检查）、种子004（日排查）",
    description="每个上学日对校门、门卫室、食堂操作间、学生宿舍、配电室等敏感部位进行检查。",
    items=(
        I(
            "校门值守到位，上下学时段护学岗、高峰勤务人员在岗",
            C.GATE,
            "对照值班表核实到岗人员。",
            default_grade=G.LOW,
            department_kinds=(D.POLICE,),
        ),
        I(
            "外来人员、车辆进校登记核实，无关人员未进入校园",
            C.GATE,
            "抽查当日来访登记簿。",
            department_kinds=(D.POLICE,),
        ),
        I(
            "门卫室防暴器械（钢叉、盾牌、警棍、防刺服）齐全可用",
            C.GATE,
            photo_required=True,
            department_kinds=(D.POLICE,),
        ),
        I(
            "一键式紧急报警装置、视频监控运行正常",
            C.SECURITY,
            "按下测试键确认与派出所联网正常。",
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "食堂操作间生熟分开，留样齐全（每样不少于125克、冷藏48小时）",
            C.FOOD,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.MARKET,),
        ),
        I(
            "食堂从业人员晨检记录完整，持有效健康证上岗",
            C.FOOD,
            department_kinds=(D.MARKET, D.HEALTH),
        ),
        I(
            "消防通道、安全出口畅通，无堵塞、无上锁",
            C.FIRE,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I(
            "配电室门窗关闭上锁，无杂物堆放，无异常声响、异味",
            C.ELECTRICITY,
            department_kinds=(D.FIRE,),
        ),
        I(
            "学生宿舍无违规电器、无私拉乱接电线，夜间值班人员在岗",
            C.DORMITORY,
            "寄宿制学校检查，非寄宿学校选“不适用”。",
            photo_required=True,
        ),
    ),
)

WEEKLY = Template(
    code="INSPECT-WEEKLY",
    name="重点部位周检查",
    rhythm=Rhythm.WEEKLY,
    spot_kind=SpotKind.KEY,
    source="INSPECT-WEEKLY：种子000 §四.四（重点部位周检查）、种子004（周研判）",
    description="每周对消防设施、楼梯间、实验室、围墙、监控室等重点部位检查，结果提交周研判。",
    items=(
        I(
            "灭火器压力在绿区、在有效期内，消火栓水带水枪齐全",
            C.FIRE,
            "逐层检查，记录过期灭火器数量。",
            photo_required=True,
            department_kinds=(D.FIRE,),
        ),
        I("应急照明、疏散指示标志完好有效", C.FIRE, department_kinds=(D.FIRE,)),
        I(
            "教学楼楼梯间扶手、栏杆牢固，台阶无破损，课间有教师值守",
            C.BUILDING,
            "重点防范拥挤踩踏。",
            default_grade=G.HIGH,
        ),
        I(
            "门窗玻璃、吊顶、外墙装饰物无松动脱落",
            C.BUILDING,
            photo_required=True,
            department_kinds=(D.HOUSING,),
        ),
        I(
            "实验室、危化品室门锁完好，实行双人双锁管理",
            C.LAB,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE, D.EMERGENCY),
        ),
        I(
            "围墙、护栏完好，无缺口，防攀爬设施有效",
            C.SECURITY,
            "围墙高度不低于2米（DEF-WALL）。",
            photo_required=True,
            department_kinds=(D.POLICE,),
        ),
        I("监控室值班记录完整，录像保存不少于30天", C.SECURITY, department_kinds=(D.POLICE,)),
        I("体育器材、大型玩具固定牢靠，无锈蚀、无尖锐突出物", C.SPORTS),
        I(
            "本周发现隐患已登记台账，整改进度已跟踪",
            C.OTHER,
            "周研判会议前核对台账。",
            default_grade=G.LOW,
        ),
    ),
)

MONTHLY = Template(
    code="INSPECT-MONTHLY",
    name="校园区域月检查",
    rhythm=Rhythm.MONTHLY,
    source="INSPECT-MONTHLY：种子000 §四.四（校园区域月检查）",
    description="每月由校长或分管安全副校长带队，对校园全部区域进行一次全面检查。",
    items=(
        I(
            "校舍无裂缝、渗漏、墙体倾斜等安全隐患",
            C.BUILDING,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.HOUSING,),
        ),
        I(
            "电气线路无老化、裸露，插座、开关完好，配电箱有漏电保护",
            C.ELECTRICITY,
            photo_required=True,
            department_kinds=(D.FIRE,),
        ),
        I("消防设施器材按规定配置，消防控制室持证上岗", C.FIRE, department_kinds=(D.FIRE,)),
        I(
            "食堂、小卖部无“三无”食品、过期食品，进货查验记录齐全",
            C.FOOD,
            default_grade=G.HIGH,
            department_kinds=(D.MARKET,),
        ),
        I("饮用水设施定期清洗消毒，水质检测报告在有效期内", C.FOOD, department_kinds=(D.HEALTH,)),
        I(
            "宿舍床铺护栏、消防器材、应急照明完好，逃生通道畅通",
            C.DORMITORY,
            department_kinds=(D.FIRE,),
        ),
        I(
            "危险化学品账物相符，存放符合分类要求",
            C.LAB,
            default_grade=G.HIGH,
            department_kinds=(D.EMERGENCY, D.POLICE),
        ),
        I("校园内施工区域围挡封闭，设置警示标志", C.BUILDING, department_kinds=(D.HOUSING,)),
        I("应急预案、演练记录、安全教育台账按月更新", C.OTHER, default_grade=G.LOW),
        I("上月隐患整改到位，已销号隐患复查无反弹", C.OTHER),
    ),
)

HOLIDAY = Template(
    code="INSPECT-HOLIDAY",
    name="节假日前校园周边联合排查",
    rhythm=Rhythm.BEFORE_HOLIDAY,
    source="INSPECT-HOLIDAY：种子000 §四.四（节假日校园周边联合排查）；SURROUND-TWICE：种子003 §四.四",
    description="节假日前会同派出所、市场监管所等对校园及周边进行联合排查，落实假期值班和1530安全提醒。",
    items=(
        I(
            "校园周边200米内无网吧、游戏厅、歌舞厅等违规经营场所",
            C.SURROUNDINGS,
            "SAFE-ZONE：学生安全区200米。",
            department_kinds=(D.POLICE, D.MARKET),
        ),
        I(
            "校园周边流动摊点、小卖部无“三无”食品、无不适宜学生的商品",
            C.SURROUNDINGS,
            department_kinds=(D.MARKET,),
        ),
        I(
            "校门口交通标志标线、减速带、护学岗设施完好",
            C.TRAFFIC,
            photo_required=True,
            department_kinds=(D.TRAFFIC,),
        ),
        I(
            "周边出租房屋、治安复杂场所已摸排，无滋扰校园人员",
            C.SURROUNDINGS,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "周边河流、坑塘、水窖警示标志和救生设施完好",
            C.WATER,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.WATER,),
        ),
        I("假期值班表已排定，领导带班、24小时值守落实", C.GATE, default_grade=G.LOW),
        I(
            "假期前安全教育（“1530”放假前30分钟）已开展，《致家长的一封信》已发放",
            C.OTHER,
            default_grade=G.LOW,
        ),
        I("水、电、气阀门关闭，门窗上锁，贵重设备入库", C.ELECTRICITY, department_kinds=(D.FIRE,)),
    ),
)

TERM_START = Template(
    code="INSPECT-TERM-START",
    name="开学安全隐患大检查",
    rhythm=Rhythm.TERM_START,
    source="INSPECT-TERM-START：种子001（开学之际全面开展一次学校安全隐患大检查）",
    description="开学之际会同公安、市场监管等部门，对安全管理制度落实、“三防”建设、周边综合治理、校车、校内生活设施、学生集中活动场所等逐一摸排。",
    items=(
        I(
            "安全管理制度落实：岗位安全职责明确，值班、巡查、隐患排查记录完整",
            C.OTHER,
            "对照“一岗双责”清单逐岗核查。",
        ),
        I(
            "人防：专职保安配备到位，持证上岗，完成岗前培训",
            C.GATE,
            "GUARD-RATIO：按学生人数核定保安人数。",
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "物防：防冲撞设施、防暴器械、校门可关闭，围墙不低于2米",
            C.SECURITY,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "技防：一键式报警、视频监控与属地公安机关联网并正常运行",
            C.SECURITY,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "周边综合治理：校园周边治安、交通、经营秩序无突出问题",
            C.SURROUNDINGS,
            department_kinds=(D.POLICE, D.MARKET, D.TRAFFIC),
        ),
        I(
            "校车：车辆年检、保险有效，驾驶人资质合格，随车照管员到位",
            C.TRAFFIC,
            "无校车的学校选“不适用”。",
            default_grade=G.HIGH,
            department_kinds=(D.TRAFFIC,),
        ),
        I(
            "校内生活设施：食堂持证经营、6T管理，宿舍、饮水、浴室设施安全",
            C.FOOD,
            department_kinds=(D.MARKET, D.HEALTH),
        ),
        I(
            "学生集中活动场所：礼堂、操场、楼梯间等疏散通道畅通，应急照明有效",
            C.BUILDING,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I("消防设施检测合格，消防安全责任人、管理人明确", C.FIRE, department_kinds=(D.FIRE,)),
        I(
            "涉校涉生矛盾纠纷已排查，重点人员底数清、管控措施落实",
            C.SURROUNDINGS,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE, D.JUDICIAL),
        ),
        I(
            "开学第一周综合应急疏散演练已安排",
            C.OTHER,
            "DRILL-TERM-FIRST-WEEK。",
            default_grade=G.LOW,
        ),
    ),
)

POLICE_MONTHLY = Template(
    code="POLICE-MONTHLY",
    name="派出所校园安防设施月检查",
    rhythm=Rhythm.MONTHLY,
    source="POLICE-MONTHLY：种子003 §四.二.2（每月至少开展一次安防设施管理使用情况检查）",
    description="属地派出所每月至少一次检查校园安防设施管理使用、封闭化管理、外来人员安检等制度落实情况，发现问题下达整改通知书。",
    items=(
        I(
            "学校、幼儿园所有出入口及周边视频监控全覆盖，画面清晰",
            C.SECURITY,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "寄宿制学校公共区域视频监控全覆盖",
            C.SECURITY,
            "非寄宿学校选“不适用”。",
            department_kinds=(D.POLICE,),
        ),
        I(
            "一键式紧急报警装置与派出所联网，现场测试响应正常",
            C.SECURITY,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I("校园实行封闭化管理，上课期间校门关闭", C.GATE, department_kinds=(D.POLICE,)),
        I("外来人员安检、身份核验和登记制度落实", C.GATE, department_kinds=(D.POLICE,)),
        I("保安员在岗在位，防护装备配备齐全并会使用", C.GATE, department_kinds=(D.POLICE,)),
        I(
            "上下学时段“护学岗”“高峰勤务”落实，巡逻打卡记录完整",
            C.SURROUNDINGS,
            "巡逻必到点定期打卡签到。",
            department_kinds=(D.POLICE,),
        ),
        I(
            "上次检查发现的问题已整改，整改通知书已回执",
            C.OTHER,
            "未整改的给予书面警告并跟踪督促。",
            department_kinds=(D.POLICE,),
        ),
    ),
)

CANTEEN = Template(
    code="CANTEEN-FOOD",
    name="食堂及食品安全检查",
    rhythm=Rhythm.WEEKLY,
    source="种子002 §2（食品安全）；FOOD-6T、FOOD-OPEN-KITCHEN",
    description="学校食堂、小卖部、校外供餐食品安全检查。",
    items=(
        I("食品经营许可证在有效期内并公示", C.FOOD, department_kinds=(D.MARKET,)),
        I("从业人员健康证齐全，每日晨检并记录", C.FOOD, department_kinds=(D.MARKET, D.HEALTH)),
        I(
            "食材进货查验、索证索票记录完整，无过期变质食材",
            C.FOOD,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.MARKET,),
        ),
        I(
            "食品留样每餐每样不少于125克，冷藏保存48小时以上",
            C.FOOD,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.MARKET,),
        ),
        I("餐用具清洗消毒到位，保洁柜密闭", C.FOOD, department_kinds=(D.MARKET,)),
        I("“互联网+明厨亮灶”运行正常，操作间画面可查看", C.FOOD, department_kinds=(D.MARKET,)),
        I(
            "燃气管道、阀门无泄漏，燃气报警器有效",
            C.FIRE,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I("防鼠、防蝇、防尘设施完好", C.FOOD, default_grade=G.LOW, department_kinds=(D.MARKET,)),
        I("陪餐制度落实，陪餐记录完整", C.FOOD, default_grade=G.LOW),
    ),
)

DORMITORY = Template(
    code="DORMITORY",
    name="学生宿舍安全检查",
    rhythm=Rhythm.WEEKLY,
    source="种子002 §4（寄宿制学校安全管理）；DRILL-NIGHT",
    description="寄宿制学校学生宿舍安全检查。",
    items=(
        I(
            "宿舍无违规使用大功率电器，无私拉乱接电线",
            C.DORMITORY,
            photo_required=True,
            department_kinds=(D.FIRE,),
        ),
        I("上下铺护栏完好、高度符合要求", C.DORMITORY),
        I(
            "每层灭火器、应急照明、疏散指示完好，疏散通道畅通",
            C.FIRE,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I(
            "宿舍门窗无上锁封闭，安全出口夜间不锁闭",
            C.FIRE,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I("宿管员24小时值班，夜间巡查及查寝记录完整", C.DORMITORY),
        I("学生晚归、未归及时联系家长并记录", C.DORMITORY),
        I("宿舍区公共区域视频监控正常", C.SECURITY, department_kinds=(D.POLICE,)),
    ),
)

LAB = Template(
    code="LAB-CHEMICALS",
    name="实验室及危险化学品检查",
    rhythm=Rhythm.MONTHLY,
    source="种子002 §15（实验室危险化学品全周期管理）",
    description="实验室、危化品室及危险化学品采购、存储、使用、处置全周期检查。",
    items=(
        I(
            "危化品室双人双锁，专人管理，领用登记完整",
            C.LAB,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE, D.EMERGENCY),
        ),
        I(
            "危险化学品账物相符，易制毒、易制爆化学品单独存放",
            C.LAB,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "酸碱、氧化剂与还原剂分类存放，不混放",
            C.LAB,
            default_grade=G.HIGH,
            department_kinds=(D.EMERGENCY,),
        ),
        I("实验室通风、洗眼器、应急喷淋装置可用", C.LAB),
        I("实验废液分类收集，交有资质单位处置并有记录", C.LAB, department_kinds=(D.EMERGENCY,)),
        I("实验室灭火器、灭火毯、沙箱配备到位", C.FIRE, department_kinds=(D.FIRE,)),
        I("实验室电源、燃气总阀下课后关闭", C.ELECTRICITY),
    ),
)

FIRE_ELECTRIC = Template(
    code="FIRE-ELECTRICITY",
    name="消防和用电安全检查",
    rhythm=Rhythm.MONTHLY,
    source="种子000 §四.四、种子002 §2（消防安全）",
    description="消防设施、疏散通道和用电安全专项检查。",
    items=(
        I(
            "灭火器、消火栓数量充足，压力正常，在有效期内",
            C.FIRE,
            photo_required=True,
            department_kinds=(D.FIRE,),
        ),
        I(
            "疏散通道、安全出口畅通，防火门常闭且闭门器完好",
            C.FIRE,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I("应急照明和疏散指示标志正常", C.FIRE, department_kinds=(D.FIRE,)),
        I("消防控制室24小时双人值班，值班人员持证", C.FIRE, department_kinds=(D.FIRE,)),
        I(
            "配电箱（柜）有漏电保护，箱门关闭，前方无杂物",
            C.ELECTRICITY,
            department_kinds=(D.FIRE,),
        ),
        I(
            "电线无老化破损，无私拉乱接，无“飞线”充电",
            C.ELECTRICITY,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I(
            "电动车集中停放充电，不进楼道、不入室",
            C.FIRE,
            default_grade=G.HIGH,
            department_kinds=(D.FIRE,),
        ),
        I("易燃可燃物品不在楼梯间、走廊堆放", C.FIRE, department_kinds=(D.FIRE,)),
    ),
)

GATE = Template(
    code="GATE-THREE-DEFENSE",
    name="门卫、来访和“三防”检查",
    rhythm=Rhythm.WEEKLY,
    source="种子002 §4–6（人防、物防、技防）；DEF-CLOSED、DEF-ALARM、DEF-VIDEO、GATE-24H",
    description="门卫值守、来访登记和人防、物防、技防建设检查。",
    items=(
        I(
            "门卫室24小时有人值守，交接班记录完整",
            C.GATE,
            "GATE-24H。",
            department_kinds=(D.POLICE,),
        ),
        I("来访人员核验身份证件、电话联系被访人并登记", C.GATE, department_kinds=(D.POLICE,)),
        I("校门可关闭，上课期间实行封闭管理", C.GATE, department_kinds=(D.POLICE,)),
        I(
            "防冲撞设施（隔离墩、升降柱）在车辆可进入处设置到位",
            C.SECURITY,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I("防暴装备：钢叉、盾牌、警棍、头盔、防刺服配备齐全", C.GATE, department_kinds=(D.POLICE,)),
        I(
            "一键式紧急报警、视频监控运行正常，与公安联网",
            C.SECURITY,
            default_grade=G.HIGH,
            department_kinds=(D.POLICE,),
        ),
        I(
            "重点部位每日巡查不少于5次，巡查记录完整",
            C.GATE,
            "PATROL-KEY。",
            department_kinds=(D.POLICE,),
        ),
        I("快递、外卖不进校园，在指定地点交接", C.GATE, default_grade=G.LOW),
    ),
)

SCHOOL_BUS = Template(
    code="SCHOOL-BUS",
    name="校车安全检查",
    rhythm=Rhythm.MONTHLY,
    source="种子002 §10–11、种子003 §四.五（校车及交通安全）",
    description="校车车辆、驾驶人、随车照管和接送路线检查。",
    items=(
        I(
            "校车使用许可、行驶证、年检和保险在有效期内",
            C.TRAFFIC,
            default_grade=G.HIGH,
            department_kinds=(D.TRAFFIC, D.TRANSPORT),
        ),
        I(
            "驾驶人取得校车驾驶资格，无交通违法记分满分记录",
            C.TRAFFIC,
            default_grade=G.HIGH,
            department_kinds=(D.TRAFFIC,),
        ),
        I("随车照管员在岗，上下车清点人数并签字", C.TRAFFIC, default_grade=G.HIGH),
        I(
            "车内无超员，安全带、灭火器、安全锤、急救箱齐全",
            C.TRAFFIC,
            photo_required=True,
            department_kinds=(D.TRAFFIC,),
        ),
        I("卫星定位装置、车内监控运行正常", C.TRAFFIC, department_kinds=(D.TRAFFIC,)),
        I(
            "行驶线路、停靠站点经审批，沿线无危险路段未处置",
            C.TRAFFIC,
            department_kinds=(D.TRAFFIC,),
        ),
        I("无“黑校车”接送学生，家长接送车辆无超员", C.TRAFFIC, department_kinds=(D.TRAFFIC,)),
    ),
)

WATERS = Template(
    code="WATERS-DROWNING",
    name="周边水域防溺水检查",
    rhythm=Rhythm.WEEKLY,
    source="种子002 §13、种子003 §四.十一、种子004（防溺水）；EDU-DROWNING（4—10月每周）",
    description="学校周边河流、水库、坑塘、水窖、沟渠等危险水域排查，防溺水季节每周一次。",
    items=(
        I("周边危险水域已登记，明确责任人", C.WATER, department_kinds=(D.WATER,)),
        I("危险水域警示标志醒目、完好", C.WATER, photo_required=True, department_kinds=(D.WATER,)),
        I(
            "救生圈、救生杆、救生绳等救生设施配备到位",
            C.WATER,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.WATER, D.EMERGENCY),
        ),
        I(
            "重点水域护栏、隔离网完好，水窖加盖上锁",
            C.WATER,
            photo_required=True,
            default_grade=G.HIGH,
            department_kinds=(D.WATER,),
        ),
        I(
            "村（社区）志愿者巡查落实，重点时段有人值守",
            C.WATER,
            department_kinds=(D.CIVIL_AFFAIRS,),
        ),
        I("本周防溺水教育和家长提醒（“六不”）已开展", C.WATER, default_grade=G.LOW),
    ),
)

LIBRARY: tuple[Template, ...] = (
    DAILY,
    WEEKLY,
    MONTHLY,
    HOLIDAY,
    TERM_START,
    POLICE_MONTHLY,
    CANTEEN,
    DORMITORY,
    LAB,
    FIRE_ELECTRIC,
    GATE,
    SCHOOL_BUS,
    WATERS,
)
BY_CODE = {t.code: t for t in LIBRARY}


def _item_key(row) -> tuple:
    return (
        row.text,
        row.category,
        row.guidance,
        row.photo_required,
        row.default_grade,
        sorted(row.department_kinds or []),
    )


def _write_items(Item_, version, items) -> None:
    Item_.objects.bulk_create(
        [
            Item_(
                version=version,
                position=position,
                text=i.text,
                category=str(i.category),
                guidance=i.guidance,
                photo_required=i.photo_required,
                default_grade=str(i.default_grade),
                department_kinds=[str(k) for k in i.department_kinds],
            )
            for position, i in enumerate(items, start=1)
        ]
    )


def load_library(apps=None) -> dict[str, int]:
    """Write the built-in library. Returns counts of created, new versions, rewritten, unchanged.

    `apps` is the migration state's registry when called from a migration; the live models
    otherwise. Only plain manager calls are used, so historical models work too.
    """
    if apps is None:
        from django.apps import apps as live

        apps = live
    Template_ = apps.get_model("hazards", "ChecklistTemplate")
    Version = apps.get_model("hazards", "ChecklistVersion")
    Item_ = apps.get_model("hazards", "ChecklistItem")
    Inspection = apps.get_model("hazards", "Inspection")
    counts = {"created": 0, "published": 0, "rewritten": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {t.code: t for t in Template_.objects.filter(code__in=BY_CODE)}
        for spec in LIBRARY:
            meta = {
                "name": spec.name,
                "description": spec.description,
                "rhythm": str(spec.rhythm),
                "spot_kind": str(spec.spot_kind),
                "source": spec.source,
            }
            template = existing.get(spec.code)
            if template is None:
                template = Template_.objects.create(
                    code=spec.code, org=None, org_path="", is_builtin=True, version=1, **meta
                )
                version = Version.objects.create(template=template, number=1, note="内置清单")
                _write_items(Item_, version, spec.items)
                template.current = version
                template.save(update_fields=["current"])
                counts["created"] += 1
                continue
            changed_meta = {k: v for k, v in meta.items() if getattr(template, k) != v}
            if changed_meta:
                Template_.objects.filter(pk=template.pk).update(**changed_meta)
            current = Version.objects.filter(pk=template.current_id).first()
            old = [_item_key(r) for r in Item_.objects.filter(version=current).order_by("position", "id")] if current else []  # fmt: skip
            if old == [i.key() for i in spec.items]:
                counts["unchanged"] += 1
                continue
            if current is not None and not Inspection.objects.filter(checklist=current).exists():
                Item_.objects.filter(version=current).delete()
                _write_items(Item_, current, spec.items)
                counts["rewritten"] += 1
                continue
            last = Version.objects.filter(template=template).order_by("-number").first()
            number = (last.number if last else 0) + 1
            version = Version.objects.create(template=template, number=number, note="内置清单更新")
            _write_items(Item_, version, spec.items)
            Template_.objects.filter(pk=template.pk).update(current=version, version=number)
            counts["published"] += 1
    return counts


@transaction.atomic
def publish_version(*, template, items: list[dict], by, note: str = ""):
    """Edit a checklist: its items become a new version and the template points at it.

    `items`: dicts with the ChecklistItem fields (text, category, guidance, photo_required,
    default_grade, department_kinds). Past inspections keep the version they answered.
    Audited as an update of the template.
    """
    from safecampus.core.audit import audit
    from safecampus.hazards.models import ChecklistItem, ChecklistTemplate, ChecklistVersion

    last = template.versions.order_by("-number").first()
    number = (last.number if last else 0) + 1
    version = ChecklistVersion.objects.create(
        template=template,
        number=number,
        note=note,
        created_by=by if getattr(by, "pk", None) else None,
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(version=version, position=position, **item)
            for position, item in enumerate(items, start=1)
        ]
    )
    previous = template.current_id
    ChecklistTemplate.objects.filter(pk=template.pk).update(current=version, version=number)
    template.current, template.version = version, number
    audit(
        instance=template,
        action="update",
        by=by,
        changes={
            "version": [last.number if last else None, number],
            "current": [previous, version.pk],
        },
        comment=note,
    )
    return version
