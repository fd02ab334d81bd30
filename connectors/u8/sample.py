"""What the emulated U8 account holds: Chinese customers, products, currencies, people.

Values look like a real U8 account's: GBK-era company names and addresses with
full-width parentheses and digits, Chinese currency names in ``cexch_name``, prices with
tax (含税) and without, 13% VAT.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CUSTOMERS: tuple[tuple[str, str, str, str], ...] = (
    # name, short name, address, contact
    ("北京华联商厦股份有限公司", "北京华联", "北京市朝阳区建国路８８号（ＳＯＨＯ现代城）", "张伟"),
    ("上海百联集团股份有限公司", "上海百联", "上海市黄浦区南京东路８３０号", "王芳"),
    ("广州天河（东方）贸易有限公司", "天河东方", "广东省广州市天河区体育西路１９１号", "李娜"),
    ("深圳市华强北电子市场有限公司", "华强北电子", "广东省深圳市福田区华强北路１００２号", "刘洋"),
    ("杭州西湖龙井茶业有限公司", "西湖龙井", "浙江省杭州市西湖区龙井路１号", "陈静"),
    (
        "成都红旗连锁股份有限公司",
        "红旗连锁",
        "四川省成都市锦江区东大街１２３号（红旗大厦）",
        "杨磊",
    ),
    ("香港德昌贸易有限公司", "德昌贸易", "香港九龍尖沙咀彌敦道１００號", "黄志明"),
    ("東京商事株式会社", "東京商事", "東京都千代田区丸の内１－１－１", "佐藤"),
    ("武汉九州通医药集团股份有限公司", "九州通", "湖北省武汉市汉阳区龙阳大道特８号", "赵敏"),
    ("西安曲江（大唐）文化产业有限公司", "曲江文化", "陕西省西安市雁塔区芙蓉西路９９号", "周杰"),
    ("南京金陵饭店股份有限公司", "金陵饭店", "江苏省南京市鼓楼区汉中路２号", "吴刚"),
    ("Müller Handels GmbH（德国）", "Müller", "Friedrichstraße １２, Berlin", "Anna Müller"),
)

PRODUCTS: tuple[tuple[str, str, Decimal], ...] = (
    # cInvCode, cInvName, iTaxUnitPrice (含税单价)
    ("0101001", "普洱茶饼（３５７克）", Decimal("268.00")),
    ("0101002", "西湖龙井（特级）２５０ｇ", Decimal("598.00")),
    ("0201001", "宜兴紫砂壶（朱泥）", Decimal("1280.00")),
    ("0201002", "青花瓷茶杯（６只装）", Decimal("159.90")),
    ("0301001", "竹制茶盘", Decimal("89.50")),
)

#: cexch_name -> iExchRate (units of RMB per unit of the currency).
CURRENCIES: tuple[tuple[str, Decimal], ...] = (
    ("人民币", Decimal("1")),
    ("人民币", Decimal("1")),
    ("人民币", Decimal("1")),
    ("美元", Decimal("7.1")),
    ("港币", Decimal("0.91")),
    ("欧元", Decimal("7.8")),
    ("日元", Decimal("0.048")),
)

PEOPLE = ("张三", "李四", "王五", "赵六", "demo")
TAX_RATE = Decimal("13")
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity: Decimal, tax_price: Decimal, rate: Decimal) -> dict[str, Decimal]:
    """A line's amounts as U8 computes them from quantity and price with tax."""
    factor = 1 + TAX_RATE / 100
    total = money(quantity * tax_price)
    net = money(total / factor)
    return {
        "iQuantity": quantity,
        "iTaxUnitPrice": tax_price,
        "iUnitPrice": (tax_price / factor).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
        "iSum": total,
        "iMoney": net,
        "iTax": total - net,
        "iDisCount": Decimal(0),
        "iTaxRate": TAX_RATE,
        "iNatUnitPrice": (tax_price / factor * rate).quantize(Decimal("0.000001")),
        "iNatSum": money(total * rate),
        "iNatMoney": money(net * rate),
        "iNatTax": money(total * rate) - money(net * rate),
        "iNatDisCount": Decimal(0),
    }
