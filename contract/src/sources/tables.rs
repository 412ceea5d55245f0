//! The six sources of sources.md.

use super::{col, Column, Kind::*, Source};

const REQ: bool = true;
const OPT: bool = false;

pub const CHANNELS: &[&str] = &[
    "电话",
    "网站",
    "APP",
    "微信",
    "小程序",
    "来信",
    "来访",
    "其他",
];
pub const COMPLAINT_STATUS: &[&str] = &["待受理", "已受理", "不予受理", "已办结", "已终止"];
pub const OUTCOMES: &[&str] = &["调解成功", "调解不成功", "撤回", "转立案", "告知", "其他"];
pub const CASE_SOURCES: &[&str] = &[
    "投诉举报",
    "网络监测",
    "抽检",
    "上级交办",
    "异地移送",
    "部门移送",
    "其他",
];
pub const CASE_STATUS: &[&str] = &["立案", "调查", "处罚决定", "结案", "撤销"];
pub const FINDINGS: &[&str] = &[
    "未发现问题",
    "疑似假冒",
    "虚假宣传",
    "违法广告",
    "无照经营",
    "刷单炒信",
    "价格违法",
    "禁限售商品",
    "其他",
];
pub const ACTIONS: &[&str] = &["无", "责令整改", "下架", "约谈", "移送立案"];
pub const ENTITY_TYPES: &[&str] = &[
    "平台经营者",
    "平台内经营者",
    "自建网站经营者",
    "其他网络经营者",
];

const COMPLAINTS: &[Column] = &[
    col("record_id", "登记编号", Code, REQ),
    col("kind", "类型", Enum(&["投诉", "举报"]), REQ),
    col("received_at", "登记时间", DateTime, REQ),
    col("updated_at", "更新时间", DateTime, OPT),
    col("region_code", "处理地区", Region, REQ),
    col("channel", "来源渠道", Enum(CHANNELS), OPT),
    col("is_online", "是否网购", Bool { default: None }, REQ),
    col("platform_id", "平台编号", Code, OPT),
    col("business_format", "业态", BusinessFormat, OPT),
    col("respondent_name", "被投诉方", Text, OPT),
    col("respondent_uscc", "被投诉方统一社会信用代码", Uscc, OPT),
    col("respondent_region_code", "被投诉方地区", Region, OPT),
    col(
        "category",
        "商品服务类别",
        Category { goods_only: false },
        REQ,
    ),
    col("problem", "问题类别", Problem, REQ),
    col(
        "seven_day_return",
        "七日无理由退货",
        Bool {
            default: Some(false),
        },
        OPT,
    ),
    col("amount_yuan", "涉及金额", Money, OPT),
    col("status", "办理状态", Enum(COMPLAINT_STATUS), REQ),
    col("closed_at", "办结时间", DateTime, OPT),
    col("outcome", "处理结果", Enum(OUTCOMES), OPT),
    col("recovered_yuan", "挽回经济损失", Money, OPT),
    col("case_id", "关联案件编号", Code, OPT),
    col("consumer_name", "消费者姓名", Personal, OPT),
    col("consumer_phone", "联系电话", Personal, OPT),
    col("consumer_id_number", "身份证号", Personal, OPT),
    col("description", "诉求内容", Redacted, OPT),
];

const CASES: &[Column] = &[
    col("case_id", "案件编号", Code, REQ),
    col("filed_at", "立案日期", Date, REQ),
    col("updated_at", "更新时间", DateTime, OPT),
    col("closed_at", "结案日期", Date, OPT),
    col("region_code", "办案机关地区", Region, REQ),
    col("source", "案件来源", Enum(CASE_SOURCES), REQ),
    col("complaint_id", "关联投诉编号", Code, OPT),
    col("sample_id", "关联抽样编号", Code, OPT),
    col("monitor_id", "关联监测编号", Code, OPT),
    col("violation", "违法类型", Violation, REQ),
    col("party_name", "当事人名称", Text, OPT),
    col("party_uscc", "当事人统一社会信用代码", Uscc, OPT),
    col("party_region_code", "当事人地区", Region, OPT),
    col("platform_id", "平台编号", Code, OPT),
    col("is_online", "是否涉网", Bool { default: None }, REQ),
    col("fine_yuan", "罚款金额", Money, OPT),
    col("confiscated_yuan", "没收金额", Money, OPT),
    col("status", "案件状态", Enum(CASE_STATUS), REQ),
    col(
        "police_transfer",
        "移送公安",
        Bool {
            default: Some(false),
        },
        OPT,
    ),
];

const SAMPLING: &[Column] = &[
    col("sample_id", "抽样编号", Code, REQ),
    col("sampled_at", "抽样日期", Date, REQ),
    col("updated_at", "更新时间", DateTime, OPT),
    col("region_code", "组织地区", Region, REQ),
    col("platform_id", "平台编号", Code, OPT),
    col("seller_name", "被抽样单位", Text, OPT),
    col("seller_uscc", "被抽样单位统一社会信用代码", Uscc, OPT),
    col("category", "产品类别", Category { goods_only: true }, REQ),
    col("product_name", "产品名称", Text, OPT),
    col("brand", "商标", Text, OPT),
    col("result", "检验结论", Enum(&["合格", "不合格"]), REQ),
    col("failed_items", "不合格项目", Items, OPT),
    col(
        "counterfeit",
        "是否假冒",
        Bool {
            default: Some(false),
        },
        OPT,
    ),
    col("case_id", "关联案件编号", Code, OPT),
];

const MONITORING: &[Column] = &[
    col("monitor_id", "监测编号", Code, REQ),
    col("observed_at", "监测时间", DateTime, REQ),
    col("updated_at", "更新时间", DateTime, OPT),
    col("region_code", "监测地区", Region, REQ),
    col("platform_id", "平台编号", Code, OPT),
    col("store_name", "店铺名称", Text, OPT),
    col("store_uscc", "经营者统一社会信用代码", Uscc, OPT),
    col("url", "网址", Text, OPT),
    col(
        "category",
        "商品服务类别",
        Category { goods_only: false },
        REQ,
    ),
    col("finding", "监测发现", Enum(FINDINGS), REQ),
    col("action", "处置措施", Enum(ACTIONS), OPT),
    col("case_id", "关联案件编号", Code, OPT),
];

const ENTITIES: &[Column] = &[
    col("uscc", "统一社会信用代码", Uscc, REQ),
    col("name", "名称", Text, REQ),
    col("entity_type", "主体类型", Enum(ENTITY_TYPES), REQ),
    col("region_code", "登记地区", Region, REQ),
    col("registered_on", "成立日期", Date, OPT),
    col("platform_id", "所在平台", Code, OPT),
    col("abnormal_since", "列入经营异常名录日期", Date, OPT),
    col("abnormal_until", "移出经营异常名录日期", Date, OPT),
    col("serious_since", "列入严重违法失信名单日期", Date, OPT),
    col("updated_at", "更新时间", DateTime, OPT),
];

const PLATFORMS: &[Column] = &[
    col("platform_id", "平台编号", Code, REQ),
    col("name", "平台名称", Text, REQ),
    col("operator_uscc", "运营者统一社会信用代码", Uscc, OPT),
    col("region_code", "登记地区", Region, REQ),
    col("business_format", "业态", BusinessFormat, REQ),
    col("launched_on", "上线日期", Date, OPT),
    col("updated_at", "更新时间", DateTime, OPT),
];

/// Every source, in load order: the registers first, so that the event
/// sources of the same run can be checked against them.
pub static SOURCES: &[Source] = &[
    Source {
        name: "platforms",
        columns: PLATFORMS,
        key: "platform_id",
        event_time: None,
    },
    Source {
        name: "entities",
        columns: ENTITIES,
        key: "uscc",
        event_time: None,
    },
    Source {
        name: "complaints",
        columns: COMPLAINTS,
        key: "record_id",
        event_time: Some("received_at"),
    },
    Source {
        name: "cases",
        columns: CASES,
        key: "case_id",
        event_time: Some("filed_at"),
    },
    Source {
        name: "sampling",
        columns: SAMPLING,
        key: "sample_id",
        event_time: Some("sampled_at"),
    },
    Source {
        name: "monitoring",
        columns: MONITORING,
        key: "monitor_id",
        event_time: Some("observed_at"),
    },
];

/// A source by name.
pub fn source(name: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.name == name)
}
