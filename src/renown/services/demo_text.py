"""Fictional names and post texts for the demo population (built lazily, per member)."""

from __future__ import annotations

from collections.abc import Sequence

from renown.domain.topics import Topic

FIRST_NAMES = (
    "Alba",
    "Bastien",
    "Camille",
    "Dario",
    "Elodie",
    "Fintan",
    "Garance",
    "Hugo",
    "Ines",
    "Jules",
    "Kaia",
    "Lucien",
    "Maelle",
    "Nils",
    "Oriane",
    "Paloma",
    "Quentin",
    "Rosalie",
    "Soren",
    "Tilda",
    "Ugo",
    "Vera",
    "Wendel",
    "Xavia",
    "Yanis",
    "Zelie",
    "Anouk",
    "Brieuc",
    "Cyrielle",
    "Doran",
    "Esme",
    "Flavien",
    "Gwenola",
    "Hector",
    "Isaure",
    "Joachim",
    "Katell",
    "Loris",
    "Mirabelle",
    "Noam",
)
LAST_NAMES = (
    "Aubertin",
    "Belcourt",
    "Castagne",
    "Delorme",
    "Escoffier",
    "Fauvel",
    "Granier",
    "Hautecoeur",
    "Isambert",
    "Jolivet",
    "Kerbrat",
    "Lafargue",
    "Montrichard",
    "Norbert",
    "Orsini",
    "Peyrelade",
    "Quinsac",
    "Rochebrune",
    "Sauveterre",
    "Tessandier",
    "Urtubie",
    "Valmont",
    "Wattrelos",
    "Ysambert",
    "Zeller",
    "Abbadie",
    "Bressolles",
    "Chardonnet",
    "Duvallon",
    "Estienne",
)

# Templates carry no taxonomy keyword, so the topic of a text is only what was put in it.
TEMPLATES = {
    "en": (
        "Some thoughts on {a} and {b}.",
        "Today I learned something about {a}: {b} really matters.",
        "Reading up on {a} this week, and {b} too.",
        "Quick update: {a}, {b} and more soon.",
        "Anyone else into {a}? {b} is next on my list.",
    ),
    "fr": (
        "Quelques réflexions sur {a} et {b}.",
        "Aujourd'hui j'ai appris quelque chose : {a}, et {b} compte vraiment.",
        "Cette semaine je me renseigne sur {a}, et aussi {b}.",
        "Petite mise à jour : {a}, {b} et bientôt la suite.",
        "Qui d'autre s'intéresse à {a} ? {b} est le prochain sur ma liste.",
    ),
}
CHATTER = {
    "en": ("Good morning everyone!", "What a week it has been.", "Thanks for all the kind words.", "Back soon."),
    "fr": ("Bonjour à toutes et à tous !", "Quelle semaine.", "Merci pour vos messages.", "À bientôt."),
}


def display_name(first: int, last: int) -> str:
    """A fictional display name from two list positions."""
    return f"{FIRST_NAMES[first % len(FIRST_NAMES)]} {LAST_NAMES[last % len(LAST_NAMES)]}"


def render_post(u: Sequence[float], topic: Topic | None, language: str) -> tuple[str, tuple[str, ...]]:
    """Build one post's text and hashtags from a topic's keywords, using four uniforms in [0, 1)."""
    if topic is None:
        options = CHATTER[language]
        return options[int(u[0] * len(options))], ()
    keywords = (topic.keywords_fr if language == "fr" else topic.keywords_en) or topic.keywords_en or topic.keywords_fr
    if keywords:
        first = int(u[0] * len(keywords))
        second = (first + 1 + int(u[1] * (len(keywords) - 1))) % len(keywords)  # a different one when possible
        a, b = keywords[first], keywords[second]
    else:
        a = b = topic.name(language)
    templates = TEMPLATES[language]
    text = templates[int(u[2] * len(templates))].format(a=a, b=b)
    hashtags: tuple[str, ...] = ()
    if topic.hashtags and u[3] < 0.5:
        hashtags = (topic.hashtags[int(u[3] * 2 * len(topic.hashtags))],)
    return text, hashtags
