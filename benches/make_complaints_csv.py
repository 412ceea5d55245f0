#!/usr/bin/env python3
"""Writes a complaints extract of N rows (default 5,000,000) for the ingest
benchmark: realistic column mix, mixed date and money forms, personal data,
about 1 % rows that must be quarantined. Deterministic for a seed."""
import csv, random, sys

n = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
out = sys.argv[1]
rng = random.Random(42)
provs = ["110000","310000","440300","330100","320500","370200","510100","420100","610100","350200"]
cats = ["G01","G02","G03","G04","G05","S01","S02","S05","食品","服装鞋帽"]
probs = ["P01","P02","P03","P04","P05","售后服务","质量"]
status_open = ["待受理","已受理","不予受理"]
header = ["record_id","kind","received_at","updated_at","region_code","channel","is_online","platform_id",
          "business_format","respondent_name","respondent_uscc","respondent_region_code","category","problem",
          "seven_day_return","amount_yuan","status","closed_at","outcome","recovered_yuan","case_id",
          "consumer_name","consumer_phone","consumer_id_number","description"]
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(header)
    for i in range(n):
        m = rng.randint(7, 9); d = rng.randint(1, 28); h = rng.randint(0, 23)
        recv = (f"2025-{m:02d}-{d:02d} {h:02d}:{rng.randint(0,59):02d}:00" if i % 3
                else f"2025/{m}/{d} {h}:{rng.randint(0,59):02d}")
        closed = rng.random() < 0.7
        st = "已办结" if closed else rng.choice(status_open)
        cd = f"2025-{min(m+1,12):02d}-{d:02d}" if closed else ""
        amt = rng.randint(1, 500000) / 100
        amount = f"{amt:.2f}" if i % 4 else f"¥{amt:,.2f}"
        phone = f"13{rng.randint(0,9)}{rng.randint(10000000,99999999)}"
        row = [f"BJ{i:09d}", "投诉" if rng.random() < 0.77 else "举报", recv, "", rng.choice(provs),
               rng.choice(["电话","网站","APP","微信","小程序"]), "是" if rng.random() < 0.56 else "否",
               f"P{rng.randint(1,40):03d}", "综合电商", "某某商贸有限公司", "", "", rng.choice(cats),
               rng.choice(probs), rng.choice(["是","否",""]), amount, st, cd,
               rng.choice(["调解成功","调解不成功","撤回","告知"]) if closed else "",
               f"{amt/2:.2f}" if closed else "", "", "王某", phone, "",
               f"消费者{phone}反映商品质量问题，要求退货退款"]
        if i % 100 == 99:
            row[4] = "990000"  # unknown region: quarantined
        w.writerow(row)
