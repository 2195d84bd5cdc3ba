"""The program's twelve steps, in Waymark's own plain words.

Written for people leaving trafficking, the sex trade and addiction: no one is asked to make
amends to anyone who exploited them, and "a power greater than ourselves" is whatever support a
member leans on — people, faith, nature or community.
"""

from typing import NamedTuple


class Step(NamedTuple):
    number: int
    title: str
    summary: str


STEPS = (
    Step(
        1,
        "Name what has a hold on me",
        "I admit that a substance, the life or a situation has had more control over my days "
        "than I wanted, and that I do not have to face it alone.",
    ),
    Step(
        2,
        "Believe things can change",
        "I let myself believe that a safer, steadier life is possible for me, with help from "
        "people and strengths beyond my own.",
    ),
    Step(
        3,
        "Choose to accept help",
        "I decide to lean on support (peers, advocates, counsellors, whatever steadies me) "
        "instead of carrying everything by myself.",
    ),
    Step(
        4,
        "Take an honest look",
        "I write down, without judging myself, what happened to me, what I did to survive, and "
        "the patterns I want to change.",
    ),
    Step(
        5,
        "Say it to someone I trust",
        "I share that honest look with one safe person, so it no longer lives only in secret.",
    ),
    Step(
        6,
        "Get ready to let go",
        "I become willing to let go of habits and beliefs that keep me stuck, knowing that many "
        "of them once kept me alive.",
    ),
    Step(
        7,
        "Ask for help to change",
        "I ask for the help I need to change those patterns one at a time, and accept that change "
        "takes practice.",
    ),
    Step(
        8,
        "Sort out harm done",
        "I list the harm I have caused, to others and to myself, and separate it from the harm "
        "that was done to me, which is not mine to carry.",
    ),
    Step(
        9,
        "Repair what is safe to repair",
        "I make amends where it is safe and helps, never at the cost of my safety and never by "
        "contacting anyone who exploited or hurt me.",
    ),
    Step(
        10,
        "Keep checking in",
        "I keep taking an honest daily look at how I am doing, notice when I slip, and come back "
        "without shame.",
    ),
    Step(
        11,
        "Stay close to what steadies me",
        "I make time for whatever gives me calm and direction: reflection, faith, nature, "
        "creativity or community.",
    ),
    Step(
        12,
        "Pass it on",
        "Having come this far, I offer hope and practical help to others who are where I was, and "
        "keep practising these steps in my own life.",
    ),
)
