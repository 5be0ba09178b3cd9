"""Word lists for the synthetic bank extract (``synth.py``): names, merchants, payment channels.

Surnames are weighted roughly by their frequency in Guangdong (陈, 李, 黄 and 梁 are far more common
there than nationally). Each character carries its pinyin so that e-mail user names can be built
without a transliteration library. Merchants are real chains with the merchant category code (MCC)
their card transactions usually carry and a typical ticket size in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# (surname, pinyin, relative weight)
SURNAMES: Final = (
    ("陈", "chen", 60), ("李", "li", 55), ("黄", "huang", 45), ("张", "zhang", 45), ("王", "wang", 40),
    ("刘", "liu", 35), ("林", "lin", 30), ("梁", "liang", 30), ("吴", "wu", 25), ("何", "he", 22),
    ("杨", "yang", 22), ("罗", "luo", 20), ("郑", "zheng", 18), ("周", "zhou", 18), ("谢", "xie", 15),
    ("赵", "zhao", 12), ("徐", "xu", 12), ("朱", "zhu", 12), ("胡", "hu", 12), ("郭", "guo", 12),
    ("邓", "deng", 12), ("曾", "zeng", 12), ("叶", "ye", 12), ("钟", "zhong", 12), ("孙", "sun", 10),
    ("冯", "feng", 10), ("许", "xu", 10), ("苏", "su", 10), ("卢", "lu", 10), ("蔡", "cai", 10),
    ("马", "ma", 8), ("高", "gao", 8), ("彭", "peng", 8), ("潘", "pan", 8), ("余", "yu", 8),
    ("唐", "tang", 6), ("肖", "xiao", 6), ("邱", "qiu", 6), ("廖", "liao", 6), ("杜", "du", 5),
    ("袁", "yuan", 5), ("江", "jiang", 5), ("莫", "mo", 5), ("温", "wen", 5), ("宋", "song", 5),
    ("蒋", "jiang", 5), ("方", "fang", 5), ("赖", "lai", 5), ("冼", "xian", 4), ("萧", "xiao", 4),
    ("关", "guan", 4), ("阮", "ruan", 4), ("麦", "mai", 4), ("沈", "shen", 4), ("程", "cheng", 4),
    ("邹", "zou", 4), ("古", "gu", 3), ("甘", "gan", 3), ("韦", "wei", 3), ("汤", "tang", 3),
    ("范", "fan", 3), ("姚", "yao", 3), ("严", "yan", 3), ("欧阳", "ouyang", 2), ("简", "jian", 2),
    ("缪", "miao", 2), ("司徒", "situ", 1),
)  # fmt: skip

# Characters of given names (character, pinyin), more often chosen for men or for women.
MALE_GIVEN: Final = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("斌", "bin"), ("浩", "hao"), ("俊", "jun"),
    ("鹏", "peng"), ("辉", "hui"), ("华", "hua"), ("建", "jian"), ("国", "guo"), ("文", "wen"),
    ("志", "zhi"), ("宇", "yu"), ("峰", "feng"), ("亮", "liang"), ("健", "jian"), ("锋", "feng"),
    ("嘉", "jia"), ("子", "zi"), ("晨", "chen"), ("宏", "hong"), ("家", "jia"), ("振", "zhen"),
    ("荣", "rong"), ("海", "hai"), ("东", "dong"), ("星", "xing"), ("永", "yong"), ("德", "de"),
    ("成", "cheng"), ("龙", "long"), ("平", "ping"), ("波", "bo"), ("达", "da"), ("耀", "yao"),
    ("坤", "kun"), ("毅", "yi"), ("豪", "hao"), ("航", "hang"), ("博", "bo"), ("睿", "rui"),
    ("轩", "xuan"), ("泽", "ze"), ("彬", "bin"), ("智", "zhi"), ("锦", "jin"), ("森", "sen"),
)  # fmt: skip
FEMALE_GIVEN: Final = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("秀", "xiu"), ("霞", "xia"), ("玲", "ling"), ("婷", "ting"), ("燕", "yan"), ("颖", "ying"),
    ("慧", "hui"), ("琳", "lin"), ("雪", "xue"), ("梅", "mei"), ("欣", "xin"), ("洁", "jie"),
    ("晶", "jing"), ("红", "hong"), ("佳", "jia"), ("怡", "yi"), ("倩", "qian"), ("莉", "li"),
    ("萍", "ping"), ("琪", "qi"), ("诗", "shi"), ("雨", "yu"), ("婉", "wan"), ("思", "si"),
    ("月", "yue"), ("彤", "tong"), ("晓", "xiao"), ("蕾", "lei"), ("瑶", "yao"), ("丹", "dan"),
    ("妍", "yan"), ("凤", "feng"), ("翠", "cui"), ("淑", "shu"), ("美", "mei"), ("楠", "nan"),
    ("桂", "gui"), ("嘉", "jia"), ("韵", "yun"), ("珊", "shan"), ("春", "chun"), ("兰", "lan"),
)  # fmt: skip

EMAIL_DOMAINS: Final = ("163.com", "126.com", "qq.com", "sina.com", "139.com", "foxmail.com", "hotmail.com")

# (channel, relative weight) of repayments.
PAYMENT_CHANNELS: Final = (
    ("app", 35), ("wechat_pay", 20), ("alipay", 15), ("bank_transfer", 15), ("auto_debit", 12),
    ("counter", 3),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Merchant:
    name: str
    mcc: str
    category: str
    median_yuan: float  # typical ticket size
    weight: int  # relative frequency among card transactions


MERCHANTS: Final = (
    Merchant("美团外卖", "5814", "dining", 45, 14),
    Merchant("饿了么", "5814", "dining", 40, 8),
    Merchant("肯德基", "5814", "dining", 50, 4),
    Merchant("麦当劳", "5814", "dining", 45, 3),
    Merchant("星巴克", "5814", "dining", 40, 3),
    Merchant("喜茶", "5814", "dining", 30, 3),
    Merchant("海底捞火锅", "5812", "dining", 300, 2),
    Merchant("京东商城", "5964", "online", 300, 8),
    Merchant("天猫", "5964", "online", 200, 7),
    Merchant("淘宝网", "5964", "online", 120, 7),
    Merchant("拼多多", "5964", "online", 80, 6),
    Merchant("唯品会", "5964", "online", 200, 2),
    Merchant("中石化加油站", "5541", "fuel", 300, 5),
    Merchant("中国石油加油站", "5541", "fuel", 300, 4),
    Merchant("华润万家", "5411", "grocery", 150, 5),
    Merchant("沃尔玛", "5411", "grocery", 200, 3),
    Merchant("永辉超市", "5411", "grocery", 120, 3),
    Merchant("大润发", "5411", "grocery", 150, 2),
    Merchant("美宜佳便利店", "5499", "grocery", 20, 4),
    Merchant("7-Eleven便利店", "5499", "grocery", 25, 2),
    Merchant("携程旅行", "4722", "travel", 1500, 2),
    Merchant("中国南方航空", "4511", "travel", 1200, 1),
    Merchant("中国铁路12306", "4112", "travel", 250, 2),
    Merchant("如家酒店", "7011", "travel", 300, 1),
    Merchant("滴滴出行", "4121", "transport", 30, 5),
    Merchant("中国移动", "4814", "telecom", 100, 3),
    Merchant("中国电信", "4814", "telecom", 100, 2),
    Merchant("苏宁易购", "5732", "electronics", 1500, 2),
    Merchant("国美电器", "5722", "electronics", 2000, 1),
    Merchant("万达影城", "7832", "entertainment", 80, 2),
    Merchant("大参林药店", "5912", "health", 80, 2),
    Merchant("屈臣氏", "5977", "personal_care", 100, 2),
)
