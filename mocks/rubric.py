"""The five axes a mock round is scored on (DESIGN.md, "Mock interviews", Feedback), for each
kind, with what each score from 1 to 4 means: the feedback form shows these sentences, and the
interviewer sees them in the room."""

from __future__ import annotations

from dataclasses import dataclass

SCORES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Axis:
    key: str
    name: str
    # What a 1, 2, 3 and 4 mean, in that order.
    levels: tuple[str, str, str, str]

    def meaning(self, score: int) -> str:
        return self.levels[score - 1]


TECHNICAL = (
    Axis(
        "framing",
        "Problem framing",
        (
            "Started coding without restating the problem or asking about inputs and edge cases.",
            "Restated the problem but missed a constraint that changed the solution.",
            "Clarified inputs, outputs and the main edge cases before choosing an approach.",
            "Pinned down every constraint and edge case, and checked them with an example.",
        ),
    ),
    Axis(
        "approach",
        "Approach and trade-offs",
        (
            "No workable approach without heavy hints.",
            "Reached a brute-force approach; needed hints to improve it.",
            "Named the pattern, reached an efficient approach and stated its complexity.",
            "Compared approaches with their time and space costs and chose one for reasons.",
        ),
    ),
    Axis(
        "correctness",
        "Correctness",
        (
            "The code would not run or fails the basic example.",
            "Works on the example; fails edge cases the candidate did not test.",
            "Correct, with one small slip found and fixed while testing.",
            "Correct on every case, proved by walking through examples and edge cases.",
        ),
    ),
    Axis(
        "code-quality",
        "Code quality",
        (
            "Hard to follow: unclear names, repeated logic, no structure.",
            "Readable in parts; some confusing names or tangled control flow.",
            "Clear names and structure; idiomatic for the language.",
            "Clean enough to merge: small functions, clear names, no dead code.",
        ),
    ),
    Axis(
        "communication",
        "Communication",
        (
            "Worked in silence; the interviewer could not follow the thinking.",
            "Explained some steps, usually only when asked.",
            "Narrated the approach and the code, and took hints well.",
            "Led the conversation: thought aloud, checked in, and explained every decision.",
        ),
    ),
)

SYSTEM_DESIGN = (
    Axis(
        "requirements",
        "Requirements and scope",
        (
            "Began drawing boxes without asking what the system must do.",
            "Listed features but no scale, latency or consistency needs.",
            "Agreed the functional and non-functional requirements and the scale to design for.",
            "Scoped sharply: numbers estimated, priorities agreed, out-of-scope parts named.",
        ),
    ),
    Axis(
        "high-level",
        "High-level design",
        (
            "No coherent design: parts missing or unconnected.",
            "A design that works for one server but not at the agreed scale.",
            "A sound design covering the main flows, with the data model and APIs.",
            "A clear, complete design whose every part is justified by a requirement.",
        ),
    ),
    Axis(
        "deep-dive",
        "Deep dive",
        (
            "Could not go below the boxes when asked.",
            "Went deeper on one part, with gaps the interviewer had to point out.",
            "Took one or two parts in depth: storage, partitioning, failure handling.",
            "Went deep where it mattered most and found the hard problems unprompted.",
        ),
    ),
    Axis(
        "trade-offs",
        "Trade-offs and scaling",
        (
            "Named no trade-offs; one choice presented as the only way.",
            "Named trade-offs when asked, without weighing them.",
            "Weighed the main trade-offs (consistency, cost, latency) and scaled the hot paths.",
            "Reasoned from numbers about bottlenecks and chose trade-offs for the requirements.",
        ),
    ),
    Axis(
        "communication",
        "Communication",
        (
            "Hard to follow; the interviewer had to drive.",
            "Explained parts when asked; the structure wandered.",
            "Clear structure, checked in with the interviewer, used the board well.",
            "Led the session, kept time and made every step easy to follow.",
        ),
    ),
)

AXES: dict[str, tuple[Axis, ...]] = {"technical": TECHNICAL, "system-design": SYSTEM_DESIGN}


def axes_for(kind: str) -> tuple[Axis, ...]:
    return AXES[kind]


def axis_named(key: str) -> Axis | None:
    for axes in AXES.values():
        for axis in axes:
            if axis.key == key:
                return axis
    return None
