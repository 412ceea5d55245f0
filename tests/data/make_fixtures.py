#!/usr/bin/env python3
"""Writes the ingest fixtures under tests/data/. Every row's expected outcome
is worked out by hand in tests/ingest.rs; rerun this only to change them.
Needs openpyxl (pip install openpyxl)."""
import csv, datetime, gzip, io, json, os

HERE = os.path.dirname(os.path.abspath(__file__))

def path(*p):
    full = os.path.join(HERE, *p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full

def csv_text(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()

EN = ["record_id","kind","received_at","updated_at","region_code","channel","is_online","platform_id",
      "business_format","respondent_name","respondent_uscc","respondent_region_code","category","problem",
      "seven_day_return","amount_yuan","status","closed_at","outcome","recovered_yuan","case_id",
      "consumer_name","consumer_phone","consumer_id_number","description"]

def row(**kw):
    return [kw.get(c, "") for c in EN]

base = dict(kind="投诉", received_at="2025-07-03", region_code="440305", is_online="是",
            category="G01", problem="P01", status="已受理")
def b(**kw):
    d = dict(base); d.update(kw); return row(**d)

a_rows = [
    # 1 loaded
    b(record_id="A001", received_at="2025-07-03 14:22:10", channel="APP", platform_id="P001",
      business_format="综合电商", respondent_name="某店", respondent_uscc="91330100799655058B",
      respondent_region_code="330100", seven_day_return="Y", amount_yuan="1,234.50", status="已办结",
      closed_at="2025-07-20 09:00:00", outcome="调解成功", recovered_yuan="¥1000", consumer_name="张三",
      consumer_phone="13800138000", consumer_id_number="110101199003071234",
      description="电话13800138000，身份证110101199003071234，要求退款"),
    # 2 loaded, issues: respondent_uscc invalid_uscc, respondent_region_code unknown_region
    b(record_id="A002", kind="举报", received_at="2025/8/1", region_code="广东", channel="微信", is_online="1",
      platform_id="P002", respondent_uscc="91110000802100433X", respondent_region_code="999999",
      category="食品", problem="售后服务", amount_yuan="12元", consumer_phone="+86 138-0013-8000"),
    # 3 malformed_row (too few fields): written specially below
    None,
    # 4 missing_key
    b(record_id="NULL"),
    # 5 missing_required (kind)
    b(record_id="A005", kind=""),
    # 6 unparseable (received_at)
    b(record_id="A006", received_at="2025-02-30"),
    # 7 unknown_region
    b(record_id="A007", region_code="990000"),
    # 8 unknown_enum
    b(record_id="A008", kind="咨询"),
    # 9 bad_money
    b(record_id="A009", amount_yuan="-3"),
    # 10 date_order
    b(record_id="A010", received_at="2025-07-10", status="已办结", closed_at="2025-07-09"),
    # 11 status_dates
    b(record_id="A011", status="已办结"),
    # 12 loaded, issue: channel unknown_enum
    b(record_id="A012", channel="电邮", received_at="2025年9月30日 23时59分", status="已办结",
      closed_at="20251001", outcome="转立案", case_id="K001"),
    # 13 loaded, issues: updated_at unparseable, seven_day_return unparseable
    b(record_id="A013", updated_at="soon", seven_day_return="maybe"),
    # 14 superseded: identical to row 1
    None,
    # 15 loaded: full-width code, region, date, amount
    b(record_id="Ａ０１４", region_code="４４０３０５", received_at="２０２５－０７－０５", is_online="否",
      amount_yuan="１２．５"),
]
a_rows[13] = a_rows[0]
text = csv_text(EN, [r for r in a_rows if r is not None])
lines = text.split("\r\n")
lines.insert(3, "A003,投诉")  # data row 3
open(path("basic", "complaints", "2025Q3-a.csv"), "w", encoding="utf-8", newline="").write("\r\n".join(lines))

# GB18030 with Chinese headers in another order.
ZH = {"record_id":"登记编号","kind":"类型","received_at":"登记时间","region_code":"处理地区","channel":"来源渠道",
      "is_online":"是否网购","respondent_name":"被投诉方","category":"商品服务类别","problem":"问题类别",
      "status":"办理状态","description":"诉求内容"}
cols = ["类型","登记编号","处理地区","登记时间","来源渠道","是否网购","被投诉方","商品服务类别","问题类别","办理状态","诉求内容"]
rows = [["投诉","B001","浙江省","2025-07-04","电话","是","杭州某某电子商务有限公司","家用电子电器","质量","待受理","购买的电视机无法开机，商家拒绝维修"],
        ["举报","B002","北京","2025-07-05","网站","否","北京某某科技有限公司","互联网服务","虚假宣传","已受理","广告宣传与实际不符"]]
open(path("basic", "complaints", "2025Q3-b-gbk.csv"), "wb").write(csv_text(cols, rows).encode("gb18030"))

# UTF-8 with BOM.
rows = [b(record_id="C001", received_at="2025-07-06")]
open(path("basic", "complaints", "2025Q3-c-bom.csv"), "wb").write(b"\xef\xbb\xbf" + csv_text(EN, rows).encode("utf-8"))

# Platforms: plain CSV with surrounding spaces in the header.
open(path("basic", "platforms", "platforms.csv"), "w", encoding="utf-8", newline="").write(csv_text(
    [" platform_id ", "平台名称", "operator_uscc", "region_code", "business_format", "launched_on", "备注"],
    [["P001", "甲商城", "91330100799655058B", "330100", "综合电商", "2010-05-01", "x"],
     ["P002", "乙直播", "", "北京市", "直播电商", "2020/1/2", ""]]))

# Entities: JSON lines, a number for a date, one line that is not JSON.
ent = [
    {"uscc": "91330100799655058B", "name": "杭州某某电子商务有限公司", "entity_type": "平台内经营者",
     "region_code": "330100", "registered_on": "2020-01-01", "platform_id": "P001",
     "abnormal_since": "2025-01-01", "abnormal_until": "2025-12-31"},
    {"uscc": "91330100799655058A", "name": "无效代码公司", "entity_type": "平台内经营者", "region_code": "330100"},
    {"统一社会信用代码": "914403001922038216", "名称": "深圳某某公司", "主体类型": "自建网站经营者", "登记地区": 440300,
     "列入经营异常名录日期": "2025-05-01", "移出经营异常名录日期": "2025-04-01"},
    {"uscc": "91110000802100433b", "name": "北京某某科技有限公司", "entity_type": "平台经营者",
     "region_code": 110108, "registered_on": 20190101, "serious_since": "2025年3月1日"},
]
with open(path("basic", "entities", "entities.jsonl"), "w", encoding="utf-8") as f:
    for i, e in enumerate(ent):
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
        if i == 1:
            f.write("{not json\n")

# Cases: XLSX with real date cells (serials) and text dates.
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["案件编号", "立案日期", "closed_at", "region_code", "案件来源", "违法类型", "is_online", "fine_yuan",
           "status", "party_uscc", "party_region_code", "移送公安"])
ws.append(["K001", datetime.date(2025, 7, 10), "2025/9/1", "330100", "投诉举报", "V01", "是", 5000, "结案",
           "91330100799655058B", "330100", "否"])
ws.append(["K002", "2025年8月1日", datetime.date(2025, 7, 1), "330100", "网络监测", "V02", "是", "", "结案", "", "", ""])
ws.append(["K003", datetime.datetime(2025, 8, 2, 10, 30), "", "440300", "抽检", "刷单炒信", "Y", 1200.5, "调查",
           "914403001922038216", "440300", "是"])
wb.save(path("basic", "cases", "cases.xlsx"))

# Sampling: gzip-compressed CSV.
s = csv_text(["sample_id", "sampled_at", "region_code", "category", "result", "failed_items", "counterfeit", "platform_id"],
             [["S001", "2025-07-15", "330100", "G03", "合格", "菌落总数", "", "P001"],
              ["S002", "2025-07-16", "330100", "G04", "不合格", "微生物；标签、重金属", "是", "P001"],
              ["S003", "2025-07-17", "330100", "S01", "合格", "", "", ""]])
with gzip.open(path("basic", "sampling", "sampling.csv.gz"), "wb") as f:
    f.write(s.encode("utf-8"))

# Monitoring: JSON lines with numbers.
with open(path("basic", "monitoring", "monitoring.ndjson"), "w", encoding="utf-8") as f:
    f.write(json.dumps({"monitor_id": "M001", "observed_at": "2025-07-03T10:00:00", "region_code": "330100",
                        "category": "G02", "finding": "疑似假冒", "platform_id": "P001"}, ensure_ascii=False) + "\n")
    f.write("\n")
    f.write(json.dumps({"monitor_id": 2, "observed_at": "2025-08-03 10:00", "region_code": 440305,
                        "category": "服装鞋帽", "finding": "未发现问题", "action": "无"}, ensure_ascii=False) + "\n")

# Bad files: each is rejected whole; good.csv still loads.
good = csv_text(EN, [b(record_id="G001")])
open(path("bad", "complaints", "good.csv"), "w", encoding="utf-8", newline="").write(good)
big = csv_text(EN, [b(record_id="T%05d" % i) for i in range(3000)]).encode("utf-8")
gz = gzip.compress(big)
open(path("bad", "complaints", "truncated.csv.gz"), "wb").write(gz[: len(gz) // 2])
open(path("bad", "complaints", "missing_column.csv"), "w", encoding="utf-8").write(
    csv_text([c for c in EN if c != "received_at"], [[ "X1" ] * (len(EN) - 1)]))
open(path("bad", "complaints", "not_excel.xlsx"), "w").write("this is not a workbook\n")
open(path("bad", "complaints", "notes.txt"), "w").write("unsupported file type\n")
