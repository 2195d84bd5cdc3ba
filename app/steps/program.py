"""The program's twelve steps, in Waymark's own plain words.

Written for people leaving trafficking, the sex trade and addiction: no one is asked to make
amends to anyone who exploited them, and "a power greater than ourselves" is whatever support a
member leans on — people, faith, nature or community.
"""

from typing import NamedTuple

from app.core.i18n import N_


class Step(NamedTuple):
    """Its words are message ids: `_()` gives them in the reader's language."""

    number: int
    title: str
    summary: str


STEPS = (
    Step(
        1,
        N_("Name what has a hold on me"),
        N_(
            "I admit that a substance, the life or a situation has had more control over my days "
            "than I wanted, and that I do not have to face it alone."
        ),
    ),
    Step(
        2,
        N_("Believe things can change"),
        N_(
            "I let myself believe that a safer, steadier life is possible for me, with help from "
            "people and strengths beyond my own."
        ),
    ),
    Step(
        3,
        N_("Choose to accept help"),
        N_(
            "I decide to lean on support (peers, advocates, counsellors, whatever steadies me) "
            "instead of carrying everything by myself."
        ),
    ),
    Step(
        4,
        N_("Take an honest look"),
        N_(
            "I write down, without judging myself, what happened to me, what I did to survive, and "
            "the patterns I want to change."
        ),
    ),
    Step(
        5,
        N_("Say it to someone I trust"),
        N_("I share that honest look with one safe person, so it no longer lives only in secret."),
    ),
    Step(
        6,
        N_("Get ready to let go"),
        N_(
            "I become willing to let go of habits and beliefs that keep me stuck, knowing that "
            "many of them once kept me alive."
        ),
    ),
    Step(
        7,
        N_("Ask for help to change"),
        N_(
            "I ask for the help I need to change those patterns one at a time, and accept that "
            "change takes practice."
        ),
    ),
    Step(
        8,
        N_("Sort out harm done"),
        N_(
            "I list the harm I have caused, to others and to myself, and separate it from the harm "
            "that was done to me, which is not mine to carry."
        ),
    ),
    Step(
        9,
        N_("Repair what is safe to repair"),
        N_(
            "I make amends where it is safe and helps, never at the cost of my safety and never by "
            "contacting anyone who exploited or hurt me."
        ),
    ),
    Step(
        10,
        N_("Keep checking in"),
        N_(
            "I keep taking an honest daily look at how I am doing, notice when I slip, and come "
            "back without shame."
        ),
    ),
    Step(
        11,
        N_("Stay close to what steadies me"),
        N_(
            "I make time for whatever gives me calm and direction: reflection, faith, nature, "
            "creativity or community."
        ),
    ),
    Step(
        12,
        N_("Pass it on"),
        N_(
            "Having come this far, I offer hope and practical help to others who are where I was, "
            "and keep practising these steps in my own life."
        ),
    ),
)
