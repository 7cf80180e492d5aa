"""The rules of the seeds and the national standards, as data: one table, one place.

Each rule has the id domain.md gives it, its title and text in Chinese and English (the text
says how the product reads the rule, where a seed is vague), its source, its parameters with
their default numbers, what it judges (a school, or a county, or a department), the period
it judges by default, and the function that evaluates it next to the records it reads
(`evaluator`, a dotted path, so that this table imports nothing). A city or county changes
the numbers for its subtree with a `RuleOverride` (compliance/models.py); the defaults here
hold wherever no override is in force.

Region-level rules carry a `share_target`: the parameter that names the share of schools
that must comply (FOOD-6T 85 % in 2022, 100 % from 2024), judged when verdicts aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

SCHOOL, COUNTY, DEPARTMENT = "school", "county", "department"
# Cadences: the period judged when none is asked for is the last one that has ended, except
# "latest" (the newest record as of the day) and "state" (the inventory as it stands).
DAY, WEEK, MONTH, QUARTER, TERM, YEAR, LATEST, STATE = (
    "day", "week", "month", "quarter", "term", "year", "latest", "state",
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    code: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    source: str  # 种子004 / GB/T 29315-2022 ...
    params: dict
    cadence: str
    evaluator: str  # "module:function"
    subject: str = SCHOOL
    # The page that fixes a failing verdict (a URL name taking no arguments), for a school.
    fix_url: str = ""
    share_target: str = ""  # the parameter with the region's target share, if any
    group: str = ""  # inspection / drill / education / training / defense / target / response

    @property
    def id(self) -> str:
        return self.code

    @property
    def _zh(self) -> bool:
        return (translation.get_language() or "zh-hans").startswith("zh")

    @property
    def title(self) -> str:
        return self.title_zh if self._zh else self.title_en

    @property
    def text(self) -> str:
        return self.text_zh if self._zh else self.text_en

    def as_dict(self, params: dict | None = None) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "source": self.source,
            "subject": self.subject,
            "cadence": self.cadence,
            "group": self.group,
            "defaults": self.params,
            "params": self.params if params is None else params,
        }


def _r(code, zh, en, source, params, cadence, evaluator, **kw) -> Rule:
    return Rule(code, zh[0], en[0], zh[1], en[1], source, params, cadence, evaluator, **kw)


H = "safecampus.hazards.rules"
E = "safecampus.emergency.rules"
EI = "safecampus.emergency.incident_rules"
ED = "safecampus.education.rules"
T = "safecampus.training.rules"
D = "safecampus.defense.rules"
C = "safecampus.compliance"

RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ inspections
    _r(
        "INSPECT-DAILY",
        (
            "敏感部位日检查",
            "每个上课日检查敏感部位（门卫、食堂、宿舍、水电等）；判定上一个已结束月份内每个上课日是否都有检查记录。",
        ),
        (
            "Daily check of sensitive spots",
            "Sensitive spots (gate, canteen, dormitories, power, water...) are checked every school day; the last ended month is judged: every school day must have a check.",
        ),
        "种子000 §四.四；种子004",
        {"missed_days_allowed": 0},
        MONTH,
        f"{H}:inspect_daily",
        fix_url="hazards:inspect",
        group="inspection",
    ),
    _r(
        "INSPECT-WEEKLY",
        (
            "重点部位周检查",
            "每周检查重点部位并召开周研判会；判定上一个已结束月份内开始的每个有上课日的周（周一至周日）：须有重点部位检查和周研判记录。",
        ),
        (
            "Weekly check of key spots",
            "Key spots are checked every week and the weekly analysis is held; each week (Monday to Sunday) with a school day that begins in the last ended month is judged: it needs a key-spot check and a recorded weekly analysis.",
        ),
        "种子000；种子004",
        {"missed_weeks_allowed": 0},
        MONTH,
        f"{H}:inspect_weekly",
        fix_url="hazards:inspect",
        group="inspection",
    ),
    _r(
        "INSPECT-MONTHLY",
        ("校园月度全面检查", "每月对校园全面检查一次；判定上一个已结束的月份。"),
        (
            "Monthly whole-campus check",
            "The whole campus is checked once a month; the last ended month is judged.",
        ),
        "种子000",
        {"per_month": 1},
        MONTH,
        f"{H}:inspect_monthly",
        fix_url="hazards:inspect",
        group="inspection",
    ),
    _r(
        "INSPECT-HOLIDAY",
        (
            "节假日前周边联合排查",
            "每个节假日（含学期末寒暑假）前3个上课日内对校园及周边开展联合排查；判定上一个已结束学期内的每个节假日前。",
        ),
        (
            "Joint check before each holiday",
            "A joint check of the school and its surroundings in the 3 school days before each holiday (and before the break that ends the term); each holiday of the last ended term is judged.",
        ),
        "种子000 §四.四",
        {"days_before": 3},
        TERM,
        f"{H}:inspect_holiday",
        fix_url="hazards:inspect",
        group="inspection",
    ),
    _r(
        "INSPECT-TERM-START",
        (
            "开学安全大检查",
            "每学期开学时开展安全隐患大检查（开学后14天内）；判定开学已满14天的最近一个学期。",
        ),
        (
            "Inspection at term start",
            "A thorough safety inspection at the start of each term (within its first 14 days); the last term whose first 14 days are over is judged.",
        ),
        "种子001",
        {"within_days": 14},
        TERM,
        f"{H}:inspect_term_start",
        fix_url="hazards:inspect",
        group="inspection",
    ),
    _r(
        "SURROUND-TWICE",
        (
            "周边环境每学期两次排查",
            "每学期开学初和期中各开展一次校园周边环境排查，按学期内至少2天有周边排查判定（节前联合排查、开学大检查及含周边检查项的自定义检查表均计入）；判定上一个已结束的学期。",
        ),
        (
            "Surroundings screened twice a term",
            "The surroundings are screened at the start and in the middle of each term, judged as surroundings checks on at least 2 days of the term (the joint check before holidays, the term-start inspection and a region's own checklist with surroundings items count); the last ended term is judged.",
        ),
        "种子003 §四.四",
        {"per_term": 2},
        TERM,
        f"{H}:surround_twice",
        fix_url="hazards:inspect",
        group="inspection",
    ),
    _r(
        "POLICE-MONTHLY",
        (
            "派出所每月检查安防设施",
            "派出所每月至少检查一次辖区每所学校的安防设施管理使用情况（使用派出所检查表的检查，或派出所参加的任何检查均计入；当月无上课日的学校不判定）；按派出所判定上一个已结束的月份。",
        ),
        (
            "Police check security facilities monthly",
            "A police station checks the security facilities of every school in its area at least once a month (a check with the police checklist, or any check the station joined, counts; a school whose month has no school day is not due); judged per station for the last ended month.",
        ),
        "种子003 §四.二.2",
        {"per_month": 1},
        MONTH,
        f"{H}:police_monthly",
        subject=DEPARTMENT,
        group="inspection",
    ),
    _r(
        "VISIT-MONTHLY",
        (
            "责任督学每月到校",
            "每名包校责任人每月至少到所包学校一次（按学校的责任督学任职；当月无上课日的不判定）；判定上一个已结束的月份。",
        ),
        (
            "Responsible inspector visits monthly",
            "Each responsible bureau person visits each assigned school at least once a month (inspectors assigned on the school; a month without a school day is not judged); the last ended month is judged.",
        ),
        "种子004",
        {"per_month": 1},
        MONTH,
        f"{H}:visit_monthly",
        group="inspection",
    ),
    _r(
        "SUPERVISE-QUARTER",
        (
            "市级每季度综合督导",
            "市教育局每季度对县区开展一次综合督导；平台以上一个已结束季度内市级及以上教育局人员或责任督学到该县区学校的到校或检查记录判定。",
        ),
        (
            "City supervision each quarter",
            "The city bureau supervises each county once a quarter; read from the records as a visit or inspection at one of the county's schools by bureau staff or a responsible inspector of the city or above in the last ended quarter.",
        ),
        "种子004",
        {"per_quarter": 1},
        QUARTER,
        f"{H}:supervise_quarter",
        subject=COUNTY,
        group="inspection",
    ),
    # ----------------------------------------------------------------------- drills
    _r(
        "DRILL-SCHOOL",
        (
            "中小学每月疏散演练",
            "中小学每月至少开展一次应急疏散演练（火灾、地震、踩踏、燃气、洪水、极端天气或综合演练，或记录了疏散用时的演练）；判定上一个已结束的月份，无上课日的月份不判定。",
        ),
        (
            "Monthly evacuation drill",
            "Primary and secondary schools hold at least one evacuation drill a month (fire, earthquake, crowding, gas, flood, extreme weather or comprehensive, or any drill with an evacuation time). The last ended month is judged; a month without a school day is not.",
        ),
        "种子004；中小学幼儿园应急疏散演练指南",
        {"per_month": 1},
        MONTH,
        f"{E}:drill_school",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "DRILL-KG",
        ("幼儿园每季度疏散演练", "幼儿园每季度至少开展一次应急疏散演练；判定上一个已结束的季度。"),
        (
            "Quarterly evacuation drill (kindergartens)",
            "Kindergartens hold at least one evacuation drill a quarter; the last ended quarter is judged.",
        ),
        "种子004；中小学幼儿园应急疏散演练指南",
        {"per_quarter": 1},
        QUARTER,
        f"{E}:drill_kg",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "DRILL-TERM-FIRST-WEEK",
        ("开学第一周综合演练", "每学期开学第一周（校历前五个上课日）开展一次综合应急演练。"),
        (
            "Comprehensive drill in the first week of term",
            "A comprehensive emergency drill in the first week of each term, read as its first five school days on the school's calendar.",
        ),
        "种子002 §20",
        {"first_week_days": 5},
        TERM,
        f"{E}:drill_term_first_week",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "DRILL-NIGHT",
        (
            "寄宿制学校夜间演练",
            "寄宿制学校“适时”开展夜间演练，系统按每学期至少一次判定上一个已结束的学期。",
        ),
        (
            "Night drill (boarding schools)",
            "Boarding schools hold night drills “in good time” (适时), read as at least one each term; the last ended term is judged.",
        ),
        "种子002 §20",
        {"per_term": 1},
        TERM,
        f"{E}:drill_night",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "DRILL-TERROR",
        (
            "联合公安的防暴恐演练",
            "每学期至少开展一次有公安参与的防暴力恐怖演练；判定上一个已结束的学期。",
        ),
        (
            "Violence and terror drill with the police",
            "At least one violence and terror drill with the police taking part each term; the last ended term is judged.",
        ),
        "种子003",
        {"per_term": 1},
        TERM,
        f"{E}:drill_terror",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "EVAC-MIDDLE",
        (
            "中学疏散不超过2分钟",
            "初中、高中和中职学校全校疏散用时不超过2分钟；判定近12个月内最近一次记录疏散用时的演练。",
        ),
        (
            "Evacuation within 2 minutes (middle schools)",
            "Junior, senior and vocational middle schools evacuate within 2 minutes; the last drill with an evacuation time in the past twelve months is judged.",
        ),
        "种子004",
        {"max_seconds": 120},
        LATEST,
        f"{E}:evac_middle",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "EVAC-PRIMARY",
        (
            "小学疏散不超过3分钟",
            "小学（及九年一贯制、十二年一贯制学校）全校疏散用时不超过3分钟；判定近12个月内最近一次记录疏散用时的演练。",
        ),
        (
            "Evacuation within 3 minutes (primary schools)",
            "Primary schools (and nine- and twelve-year schools, whose youngest set the pace) evacuate within 3 minutes; the last drill with an evacuation time in the past twelve months is judged.",
        ),
        "种子004",
        {"max_seconds": 180},
        LATEST,
        f"{E}:evac_primary",
        fix_url="drills:record",
        group="drill",
    ),
    _r(
        "DRILL-GUIDE",
        (
            "四层及以下楼栋2分钟疏散",
            "四层及以下的每栋楼疏散用时不超过2分钟，更高的楼不设时限；判定近12个月内最近一次分楼栋记录用时的演练。",
        ),
        (
            "2 minutes per building of up to four storeys",
            "Each building of four storeys or fewer is evacuated within 2 minutes; taller buildings have no fixed time. The last drill with times per building in the past twelve months is judged.",
        ),
        "教基一厅〔2014〕2号 中小学幼儿园应急疏散演练指南",
        {"max_seconds": 120, "max_storeys": 4},
        LATEST,
        f"{E}:drill_guide",
        fix_url="drills:record",
        group="drill",
    ),
    # -------------------------------------------------------------------- education
    _r(
        "EDU-1530",
        (
            "“1530”安全教育",
            "每个班级每天放学前1分钟、每周5分钟、每个节假日前30分钟安全提醒；判定上一个已结束月份内每个班的记录。",
        ),
        (
            "“1530” safety reminders",
            "Each class: a 1-minute reminder before dismissal every school day, 5 minutes each week, 30 minutes before each holiday; every class's records of the last ended month are judged.",
        ),
        "种子004",
        {"daily_minutes": 1, "weekly_minutes": 5, "holiday_minutes": 30, "missed_days_allowed": 2},
        MONTH,
        f"{ED}:edu_1530",
        fix_url="education:today",
        group="education",
    ),
    _r(
        "EDU-MONTHLY",
        (
            "每月主题安全教育活动",
            "每月至少开展一次主题安全教育活动；判定上一个已结束的月份（无上课日的月份不判定）。",
        ),
        (
            "Monthly themed safety activity",
            "At least one themed safety activity a month; the last ended month is judged (a month without a school day is not).",
        ),
        "种子004；种子003",
        {"per_month": 1},
        MONTH,
        f"{ED}:edu_monthly",
        fix_url="education:activity-new",
        group="education",
    ),
    _r(
        "EDU-DROWNING",
        (
            "4—10月每周防溺水教育",
            "每年4月至10月每周至少开展一次防溺水教育；判定上一个已结束月份内的每个有上课日的周。",
        ),
        (
            "Weekly drowning education, April to October",
            "From April to October, drowning education at least once a week; each week with a school day in the last ended month is judged.",
        ),
        "种子004",
        {"per_week": 1, "from_month": 4, "to_month": 10},
        MONTH,
        f"{ED}:edu_drowning",
        fix_url="education:activity-new",
        group="education",
    ),
    _r(
        "EDU-HEALTH",
        ("每学期健康教育不少于2课时", "每学期开展健康教育不少于2课时；判定上一个已结束的学期。"),
        (
            "Health education, 2 periods a term",
            "At least two periods of health education each term; the last ended term is judged.",
        ),
        "种子002",
        {"per_term": 2},
        TERM,
        f"{ED}:edu_health",
        fix_url="education:activity-new",
        group="education",
    ),
    _r(
        "EDU-CAMPAIGN-RATE",
        (
            "专项教育活动完成率",
            "专项安全教育活动（如秋季安全第一课）按参与人数计算完成率并上报（种子001：95.25%）；低于县区设定的最低完成率为不合规。判定最近一个已结束的活动。",
        ),
        (
            "Education campaign completion rate",
            "An education campaign (e.g. the autumn First Safety Lesson) reports its completion rate by participants (seed 001: 95.25 %); below the county's minimum rate is not compliant. The last ended campaign is judged.",
        ),
        "种子001",
        {"min_rate": 0.95},
        LATEST,
        f"{ED}:edu_campaign_rate",
        fix_url="education:campaigns",
        group="education",
    ),
    # --------------------------------------------------------------------- training
    _r(
        "TRAIN-MANAGER",
        (
            "安全管理人员年度培训≥15学时",
            "学校安全管理人员（以年末在任的安全管理人员任命为准）每年参加安全培训不少于15学时；判定上一个已结束的年度。",
        ),
        (
            "Safety managers' training, 15 h a year",
            "Each school's safety managers (those appointed and in office at the end of the year) take at least 15 hours of safety training a year; the last ended year is judged.",
        ),
        "种子004",
        {"hours": 15},
        YEAR,
        f"{T}:train_manager",
        fix_url="training:new",
        group="training",
    ),
    _r(
        "TRAIN-STAFF",
        (
            "全员安全培训每学期全覆盖",
            "每学期对全体教职工开展安全培训，覆盖率100%；判定上一个已结束的学期。",
        ),
        (
            "Whole-staff training each term",
            "All staff take safety training each term (full coverage); the last ended term is judged.",
        ),
        "种子002；种子004",
        {"coverage": 1.0},
        TERM,
        f"{T}:train_staff",
        fix_url="training:new",
        group="training",
    ),
    _r(
        "TRAIN-GUARD",
        (
            "保安年度培训演练≥15天",
            "县区每年组织保安员培训和演练不少于15天；按县区判定上一个已结束的年度。",
        ),
        (
            "Guards' training, 15 days a year per county",
            "Each county trains and drills its guards on at least 15 days a year; judged per county for the last ended year.",
        ),
        "种子002",
        {"days": 15},
        YEAR,
        f"{T}:train_guard",
        subject=COUNTY,
        fix_url="training:new",
        group="training",
    ),
    _r(
        "STAFF-LEGAL",
        ("每校配备法治副校长", "每所学校至少聘任1名在任的法治副校长；按当前状态判定。"),
        (
            "A legal vice-principal per school",
            "Each school has at least one legal vice-principal in office; judged as it stands.",
        ),
        "种子002",
        {"per_school": 1},
        STATE,
        f"{T}:staff_legal",
        fix_url="training:appointments",
        group="training",
    ),
    _r(
        "STAFF-PSY",
        (
            "每校配备心理健康教师",
            "每所学校至少配备1名专（兼）职心理健康教师（高校按师生比不低于1:4000配备专职教师）；按当前状态判定。",
        ),
        (
            "A psychological teacher per school",
            "Each school has at least one psychological teacher, full-time or part-time (higher education: one full-time teacher per 4,000 students); judged as it stands.",
        ),
        "种子002",
        {"per_school": 1, "students_per_teacher_higher": 4000},
        STATE,
        f"{T}:staff_psy",
        fix_url="training:appointments",
        group="training",
    ),
    # ---------------------------------------------------------------- three defenses
    _r(
        "STAFF-GUARD",
        (
            "专职保安配备率100%",
            "学校按要求配备专职保安员，配备率100%（达到GUARD-RATIO所需人数，且均经培训、持证）；按当前台账判定。",
        ),
        (
            "Security staffing 100 %",
            "Every school has the guards it needs (the GUARD-RATIO number), trained and certified; judged on the inventory as it stands.",
        ),
        "种子002",
        {"rate": 1.0},
        STATE,
        f"{D}:staff_guard",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "GUARD-RATIO",
        (
            "保安员按学生数配备",
            "按非寄宿学生数配备保安：不足100人至少1名；100至999人至少2名；1000人以上至少3名，每增加500人增加1名。",
        ),
        (
            "Guards by enrolment",
            "Guards by non-boarding enrolment: at least 1 under 100 pupils, 2 from 100, 3 from 1,000, and one more for each further 500.",
        ),
        "GB/T 29315-2022 表A.1",
        {"small_below": 100, "small": 1, "middle": 2, "large_from": 1000, "large": 3, "step": 500},
        STATE,
        f"{D}:guard_ratio",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "GATE-24H",
        (
            "门卫室24小时值守",
            "门卫室24小时有人值守（按台账中每日值守小时数判定）；按当前台账判定。",
        ),
        (
            "Gatehouse staffed 24 h",
            "The gatehouse is staffed around the clock (the inventory's hours a day); judged on the inventory as it stands.",
        ),
        "GB/T 29315-2022",
        {"hours": 24},
        STATE,
        f"{D}:gate_24h",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "PATROL-KEY",
        ("重点部位每日巡查≥5次", "重点区域每日巡查不少于5次；按当前台账判定。"),
        (
            "Key areas patrolled 5 times a day",
            "Key areas are patrolled at least five times a day; judged on the inventory as it stands.",
        ),
        "GB/T 29315-2022",
        {"per_day": 5},
        STATE,
        f"{D}:patrol_key",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "DEF-CLOSED",
        ("校园封闭化管理", "学校实行封闭化管理、校门可关闭，覆盖率100%；按当前台账判定。"),
        (
            "Closed campus management",
            "Every school runs closed management with a gate that can be closed; judged on the inventory as it stands.",
        ),
        "种子002",
        {"rate": 1.0},
        STATE,
        f"{D}:def_closed",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "DEF-ALARM",
        (
            "一键式紧急报警装置",
            "安装一键式紧急报警装置并与公安机关联网，覆盖率100%；按当前台账判定。",
        ),
        (
            "One-click alarm, networked",
            "A one-click emergency alarm installed and networked with the police; judged on the inventory as it stands.",
        ),
        "种子002；种子001",
        {"rate": 1.0},
        STATE,
        f"{D}:def_alarm",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "DEF-VIDEO",
        (
            "视频监控全覆盖并联网",
            "出入口视频监控全覆盖并联网；寄宿制学校公共区域全覆盖；按当前台账判定。",
        ),
        (
            "Video at entrances, networked",
            "Video covers all entrances and is networked; at boarding schools all public areas too; judged on the inventory as it stands.",
        ),
        "种子002；种子003",
        {"rate": 1.0},
        STATE,
        f"{D}:def_video",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "DEF-WALL",
        (
            "围墙高度≥2米并防攀爬",
            "校园周界围墙或隔离栏高度不低于2米，并有防攀爬设施；按当前台账判定。",
        ),
        (
            "Perimeter wall 2 m, anti-climb",
            "The perimeter wall or barrier is at least 2 m high and anti-climb; judged on the inventory as it stands.",
        ),
        "种子002",
        {"min_height_m": 2.0, "anti_climb": True},
        STATE,
        f"{D}:def_wall",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "STAFF-HEALTH",
        (
            "每600名学生配1名卫生人员",
            "每600名学生至少配备1名卫生专业技术人员（或保健教师）；按当前台账判定。",
        ),
        (
            "A health worker per 600 students",
            "At most 600 students per health worker; judged on the inventory as it stands.",
        ),
        "种子002",
        {"students_per_staff": 600},
        STATE,
        f"{D}:staff_health",
        fix_url="defense:edit",
        group="defense",
    ),
    _r(
        "FOOD-6T",
        ("学校食堂“6T”管理", "学校食堂实行“6T”实务管理；全区比例2022年不低于85%，2024年达到100%。"),
        (
            "Canteens under 6T management",
            "School canteens run 6T management; the region's share at least 85 % in 2022 and 100 % from 2024.",
        ),
        "种子002",
        {"targets": [[2022, 0.85], [2024, 1.0]]},
        STATE,
        f"{D}:food_6t",
        fix_url="defense:edit",
        share_target="targets",
        group="defense",
    ),
    _r(
        "FOOD-OPEN-KITCHEN",
        ("“互联网+明厨亮灶”", "学校食堂实现“互联网+明厨亮灶”，全区覆盖率不低于65%。"),
        (
            "Open kitchen online (明厨亮灶)",
            "School canteens are open to view (明厨亮灶) and viewable online (互联网+); the region's coverage at least 65 %.",
        ),
        "种子002",
        {"targets": [[2022, 0.65]]},
        STATE,
        f"{D}:food_open_kitchen",
        fix_url="defense:edit",
        share_target="targets",
        group="defense",
    ),
    _r(
        "TARGET-4X100",
        (
            "“4个100%”",
            "专职保安配备、封闭化管理、一键式紧急报警、视频监控联网四项均达到100%（2022年底前）。",
        ),
        (
            "The four 100 % targets",
            "Guards, closed management, one-click alarm and networked video: all four at 100 % (by the end of 2022).",
        ),
        "种子002",
        {"targets": [[2022, 1.0]]},
        STATE,
        f"{D}:target_4x100",
        fix_url="defense:edit",
        share_target="targets",
        group="defense",
    ),
    # ----------------------------------------------------------- response and targets
    _r(
        "RESPONSE-135",
        (
            "“1、3、5分钟”快速响应",
            "校园突发事件接报后1分钟内响应、3分钟内到场、5分钟内控制现场（按事件时间线的“已响应”“已到场”“已控制”记录）；判定近12个月内的每起事件，未记录时间的无法判定。",
        ),
        (
            "1 / 3 / 5-minute response",
            "From the report of a campus incident: responded within 1 minute, on the scene within 3, under control within 5 (the timeline's marks); every incident of the past twelve months is judged, one without its marks cannot be.",
        ),
        "种子003",
        {"minutes": [1, 3, 5]},
        LATEST,
        f"{EI}:response_135",
        fix_url="incidents:list",
        group="response",
    ),
    _r(
        "REPORT-DEADLINE",
        (
            "突发事件首报时限",
            "突发事件按县区规定时限首报教育局（时限在“事件报告时限”中设置，如1小时；以报告时有效的时限为准，未到时限的不判定）；判定近12个月内的每起事件。",
        ),
        (
            "First report of an incident on time",
            "An incident is first reported to the bureau within the county's deadline (set under incident reporting policy, e.g. 1 hour; the deadline in force when it was reported, one not yet due is not judged); every incident of the past twelve months is judged.",
        ),
        "地方规定",
        {},
        LATEST,
        f"{EI}:report_deadline",
        fix_url="incidents:list",
        group="response",
    ),
    _r(
        "TARGET-PINGAN",
        ("平安校园创建达标", "完成平安校园创建的学校比例：2023年达到60%，2024年达到100%。"),
        (
            "平安校园 creation completed",
            "Share of schools that completed 平安校园 creation: 60 % in 2023, 100 % from 2024.",
        ),
        "种子002",
        {"targets": [[2023, 0.6], [2024, 1.0]]},
        STATE,
        f"{C}.pingan:target_pingan",
        share_target="targets",
        group="target",
    ),
    _r(
        "TARGET-INCIDENTS",
        (
            "涉校安全事件同比下降",
            "涉校安全事件数同比下降：2023年下降10%，2024年下降20%；按县区判定上一个已结束的年度（两年均为零视为达标；无上一年度记录的无法判定）。",
        ),
        (
            "School safety incidents down year over year",
            "School-related safety incidents fall year over year: −10 % in 2023, −20 % from 2024; judged per county for the last ended year (none in either year is compliant; no record of the year before is no data).",
        ),
        "种子002",
        {"targets": [[2023, -0.10], [2024, -0.20]]},
        YEAR,
        f"{EI}:target_incidents",
        subject=COUNTY,
        group="target",
    ),
    _r(
        "TARGET-MINOR-CRIME",
        (
            "侵害未成年人案件同比下降20%",
            "侵害未成年人刑事案件同比下降20%；按县区判定上一个已结束的年度（两年均为零视为达标；无上一年度记录的无法判定）。",
        ),
        (
            "Crimes against minors down 20 %",
            "Criminal cases against minors fall 20 % year over year; judged per county for the last ended year (none in either year is compliant; no record of the year before is no data).",
        ),
        "种子003",
        {"change": -0.20},
        YEAR,
        f"{EI}:target_minor_crime",
        subject=COUNTY,
        group="target",
    ),
    _r(
        "TARGET-DROWNING",
        (
            "学生溺亡人数同比下降10%",
            "学生溺亡人数同比下降10%；按县区判定上一个已结束的年度（两年均为零视为达标；无上一年度记录的无法判定）。",
        ),
        (
            "Student drowning deaths down 10 %",
            "Student drowning deaths fall 10 % year over year; judged per county for the last ended year (none in either year is compliant; no record of the year before is no data).",
        ),
        "种子003",
        {"change": -0.10},
        YEAR,
        f"{EI}:target_drowning",
        subject=COUNTY,
        group="target",
    ),
    # -------------------------------------------------- hazards, surroundings, others
    _r(
        "RISK-COLOUR",
        (
            "风险四色分级",
            "风险按重大（红）、较大（橙）、一般（黄）、低（蓝）四级标识；判定学校在用隐患是否均已分级并按颜色标识。",
        ),
        (
            "Risk colours",
            "Risks are graded major (red), high (orange), general (yellow) and low (blue); judged on whether the school's open hazards all carry a grade.",
        ),
        "双重预防机制",
        {},
        STATE,
        f"{H}:risk_colour",
        fix_url="hazards:ledger",
        group="hazard",
    ),
    _r(
        "HAZARD-CLASS",
        (
            "重大隐患挂牌督办",
            "一般隐患（重大以外的各级隐患）立即或限期整改；重大隐患须有整改方案、临时措施和期限。判定学校在整改的重大隐患是否都有方案、临时措施和期限，且重大以外的隐患未超期。",
        ),
        (
            "Hazard classes handled as required",
            "General hazards are fixed at once or soon; major hazards need a plan, temporary measures and a deadline. Judged on whether the school's open major hazards have all three, and no hazard below major is overdue.",
        ),
        "安全生产事故隐患排查治理规定",
        {},
        STATE,
        f"{H}:hazard_class",
        fix_url="hazards:ledger",
        group="hazard",
    ),
    _r(
        "SURROUND-ENFORCE",
        (
            "校园周边联合执法每年≥2次",
            "县区每年至少组织两次校园周边联合执法（有公安、市场监管等部门参加的周边联合检查，按天计）；按县区判定上一个已结束的年度。",
        ),
        (
            "Joint enforcement around schools twice a year",
            "Each county runs joint enforcement around schools at least twice a year (surroundings checks joined by police, market regulation or other departments, counted in days); judged per county for the last ended year.",
        ),
        "种子002",
        {"per_year": 2},
        YEAR,
        f"{H}:surround_enforce",
        subject=COUNTY,
        group="inspection",
    ),
    _r(
        "SAFE-ZONE",
        (
            "学生安全区域200米",
            "学校周边200米划定学生安全区域。平台尚未记录安全区域的划定与管控情况，判定为“无数据”。",
        ),
        (
            "200 m student safety zone",
            "A student safety zone of 200 m around each school. The product does not record safety zones yet, so the verdict is “no data”.",
        ),
        "种子002",
        {"radius_m": 200},
        STATE,
        f"{C}.rules:not_recorded",
        group="hazard",
    ),
    _r(
        "PSY-SCREEN",
        (
            "心理健康测评全覆盖",
            "每年对学生开展心理健康测评，覆盖率100%。平台尚未记录测评档案，判定为“无数据”。",
        ),
        (
            "Mental-health screening of every student",
            "Every student is screened each year. The product does not record screening files yet, so the verdict is “no data”.",
        ),
        "种子002",
        {"coverage": 1.0},
        YEAR,
        f"{C}.rules:not_recorded",
        group="education",
    ),
)

RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
CODES: tuple[str, ...] = tuple(RULES_BY_CODE)
GROUPS = ("inspection", "drill", "education", "training", "defense", "response", "target", "hazard")


def rule(code: str) -> Rule:
    return RULES_BY_CODE[code]
