"""Deterministic synthetic corpora: the real help entries plus filing-help-like distractors.

    python scripts/synth.py --sizes 1000 10000 100000 --out var/bench/synth

writes ``synth-1000.jsonl`` ... in the JSONL loader's format (``question``, ``answer``, ``category``,
``kind``; ``steps`` for real entries that have them). Each corpus is the real entries
(``corpus.load_corpus()``) followed by the first ``size - len(real)`` distractors of one seeded stream,
so a smaller corpus is a prefix of a larger one (vectors computed for it can be reused).

Distractors are composed from templates and a fixed vocabulary (provinces, services, filing actions,
materials, errors, time limits, channels) with ``random.Random(seed)``; a distractor that contains any
expected phrase of the labelled sets (``eval/*.jsonl``), or repeats a title, is dropped and redrawn.
Their length is close to the real chunks' (about 60-180 characters), so embedding costs compare.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from corpus import Entry, load_corpus  # noqa: E402

SEED = 20240601
LABELLED = (ROOT / "eval" / "dev.jsonl", ROOT / "eval" / "own.jsonl")

PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
]
SERVICES = [
    "网站",
    "移动应用",
    "小程序",
    "快应用",
    "门户网站",
    "企业官网",
    "个人博客",
    "论坛",
    "在线商城",
    "视频站点",
    "资讯平台",
    "教育平台",
    "政务网站",
    "游戏官网",
    "下载站",
    "云服务器",
    "弹性云主机",
    "轻量服务器",
    "对象存储桶",
    "内容分发加速域名",
]
ACTIONS = [
    "首次备案",
    "新增网站",
    "新增接入",
    "变更主体",
    "变更网站信息",
    "变更联系方式",
    "注销网站",
    "备案迁移",
    "补充资料",
    "重新提交",
    "核验照片上传",
    "负责人人脸核验",
    "信息复核",
    "接入商审核",
    "资料初审",
    "前置审批",
    "授权书上传",
    "证件更新",
    "服务续期",
    "备案撤回",
]
MATERIALS = [
    "身份证正反面",
    "营业执照副本",
    "事业单位法人证书",
    "社会团体登记证书",
    "负责人授权书",
    "网站负责人证件",
    "域名证书",
    "前置审批文件",
    "居住证",
    "暂住证明",
    "承诺书",
    "核验单",
    "单位介绍信",
    "组织机构代码证",
    "手持证件照",
]
ERRORS = [
    "照片不清晰",
    "证件已过期",
    "手机号码未实名",
    "负责人信息重复",
    "网站名称不符合规范",
    "域名持有者不一致",
    "证件地址与备案地区不符",
    "服务内容描述过短",
    "备注信息填写不完整",
    "核验照片背景不合格",
    "邮箱格式错误",
    "紧急联系人号码与负责人相同",
    "网站名称含有敏感词",
    "服务器所在地填写错误",
    "单位名称与证件不一致",
]
TIMES = [
    "1个工作日",
    "2个工作日",
    "3个工作日",
    "5个工作日",
    "7个工作日",
    "10个工作日",
    "15个工作日",
    "当天",
    "24小时",
    "48小时",
    "3个自然日",
    "一周",
]
CHANNELS = [
    "控制台",
    "备案系统",
    "备案小程序",
    "官方邮箱",
    "短信通知",
    "客服热线",
    "工单系统",
    "消息中心",
    "移动客户端",
    "站内信",
]
ROLES = ["主体负责人", "网站负责人", "应用负责人", "紧急联系人", "法定代表人", "经办人", "技术负责人"]
SUBJECTS = ["企业", "个人", "事业单位", "社会团体", "民办非企业单位", "基金会", "律师事务所", "个体工商户"]
CATEGORIES = {
    "faq": (
        "备案流程",
        "备案材料",
        "备案进度",
        "变更备案",
        "注销备案",
        "接入备案",
        "备案核验",
        "备案规则",
        "账号与权限",
        "小程序备案FAQ",
        "网站备案FAQ",
    ),
    "rejection": ("备案审核驳回FAQ", "初审驳回FAQ", "管局驳回说明"),
    "troubleshooting": ("常见问题排查", "备案异常处理", "系统提示说明"),
}

FAQ_TITLES = (
    "{p}{subj}{s}{a}需要准备哪些材料",
    "{p}{subj}{s}{a}需要多长时间",
    "{subj}{s}{a}后在{ch}哪里查看进度",
    "{p}地区{subj}{s}{a}有什么特殊要求",
    "{p}{s}{a}时{r}需要本人到场吗",
    "{p}{subj}办理{s}{a}的流程",
    "{subj}{a}期间{s}可以正常访问吗（{p}）",
    "{p}{subj}提交{m}有哪些要求（{a}）",
    "{p}{s}备案时{r}信息怎么填写（{subj}）",
    "{p}{subj}{s}{a}的注意事项",
)
REJECTION_TITLES = (
    "{p}管局驳回{s}{a}：{e}",
    "{p}{subj}{s}{a}被驳回，提示{e}",
    "{p}{subj}{a}因{e}未通过初审",
    "驳回原因：{p}{s}{m}{e}",
)
TROUBLE_TITLES = (
    "{p}{s}{a}时系统提示“{e}”",
    "{subj}在{ch}中无法完成{s}{a}",
    "{s}{a}页面一直加载，无法提交{m}",
    "{p}{subj}{s}{a}提交后状态未更新",
)
SENTENCES = (
    "{subj}办理{a}时，需通过{ch}提交{m}，资料齐全后一般{t}内完成初审。",
    "初审通过后，{p}管局将在{t}内完成审核，结果以{ch}形式发送给{r}。",
    "请确保{m}在有效期内，且与{r}的登记信息一致。",
    "如{r}信息发生变化，请先在{ch}更新后再进行{a}。",
    "{s}在{a}期间请勿关闭服务，以免核查时无法访问导致审核失败。",
    "{p}地区要求{subj}额外提供{m}，具体以当地规则为准。",
    "提交后如需修改，可在{ch}撤回订单，修改完成后重新提交。",
    "若出现{e}，请按提示重新上传{m}，并在{t}内完成提交。",
    "{r}需保持手机畅通，审核人员可能在{t}内电话联系核实信息。",
    "同一{subj}名下的{s}可合并办理{a}，无需重复提交{m}。",
    "订单超过{t}未提交将自动关闭，需要重新填写{s}信息。",
    "{a}完成后，请在{s}首页底部展示对应的编号并链接至工信部网站。",
)
REJECTION_FIX = (
    "修改措施：请核对{m}，确认与{r}信息一致后，在{ch}重新提交。",
    "修改措施：按照{p}管局要求补充{m}，并在备注中说明情况。",
    "修改措施：更换清晰的{m}后重新上传，{t}内完成提交即可。",
)
TROUBLE_FIX = (
    "请清除缓存后重新登录{ch}再试；如仍无法解决，请通过工单系统联系技术支持。",
    "请检查{r}的账号权限，确认已授权{a}相关操作后刷新页面。",
    "该问题通常在{t}内自动恢复，如超过时限仍未更新，请联系{ch}处理。",
)


def expected_phrases(paths: Sequence[Path] = LABELLED) -> list[str]:
    """Every phrase the labelled sets expect in a right answer."""
    out: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.update(json.loads(line).get("expect") or [])
    return sorted(out)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        p=rng.choice(PROVINCES),
        s=rng.choice(SERVICES),
        a=rng.choice(ACTIONS),
        m=rng.choice(MATERIALS),
        e=rng.choice(ERRORS),
        t=rng.choice(TIMES),
        ch=rng.choice(CHANNELS),
        r=rng.choice(ROLES),
        subj=rng.choice(SUBJECTS),
    )


def _draft(rng: random.Random) -> dict[str, str]:
    roll = rng.random()
    kind = "faq" if roll < 0.75 else "rejection" if roll < 0.9 else "troubleshooting"
    titles = {"faq": FAQ_TITLES, "rejection": REJECTION_TITLES, "troubleshooting": TROUBLE_TITLES}[kind]
    title = _fill(rng.choice(titles), rng)
    body = [_fill(s, rng) for s in rng.sample(SENTENCES, rng.randint(2, 4))]
    if kind == "rejection":
        body.append(_fill(rng.choice(REJECTION_FIX), rng))
    elif kind == "troubleshooting":
        body.append(_fill(rng.choice(TROUBLE_FIX), rng))
    return {"question": title, "answer": "".join(body), "category": rng.choice(CATEGORIES[kind]), "kind": kind}


def distractors(seed: int = SEED, banned: Sequence[str] | None = None) -> Iterator[dict[str, str]]:
    """An endless, deterministic stream of distinct distractor rows."""
    rng = random.Random(seed)
    banned = list(expected_phrases() if banned is None else banned)
    titles: set[str] = set()
    while True:
        row = _draft(rng)
        haystack = f"{row['question']}\n{row['answer']}"
        if row["question"] in titles or any(phrase in haystack for phrase in banned):
            continue
        titles.add(row["question"])
        yield row


def real_rows(entries: Sequence[Entry] | None = None) -> list[dict[str, object]]:
    """The real entries as JSONL rows."""
    rows: list[dict[str, object]] = []
    for e in entries if entries is not None else load_corpus():
        row: dict[str, object] = {"question": e.title, "answer": e.text, "category": e.category, "kind": e.kind}
        if e.steps:
            row["steps"] = list(e.steps)
        rows.append(row)
    return rows


def corpus_rows(size: int, seed: int = SEED) -> list[dict[str, object]]:
    """``size`` rows: the real entries first, then distractors."""
    rows = real_rows()
    stream = distractors(seed)
    while len(rows) < size:
        rows.append(dict(next(stream)))
    return rows


def write_corpus(size: int, out_dir: Path, seed: int = SEED) -> Path:
    """Write ``synth-<size>.jsonl`` (skipped when already there) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"synth-{size}-s{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for row in corpus_rows(size, seed):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Write the corpora and check they load."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "synth")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for size in args.sizes:
        path = write_corpus(size, args.out, args.seed)
        entries = load_corpus([path])
        print(f"{path}\t{len(entries)} entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
