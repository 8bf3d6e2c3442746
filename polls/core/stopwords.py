"""Function words: words that carry no theme of their own (articles, pronouns, auxiliaries,
prepositions, conjunctions, common adverbs), left out when answers are grouped into themes.

Our own short lists, by their dictionary form as :func:`polls.core.words.word_key` gives it as
well as typed, so that an inflected form is caught either way.
"""

from __future__ import annotations

from functools import lru_cache

from polls.core.words import word_key

_DUTCH = """
aan al alle alleen alles als altijd ander andere anders ben beetje bij bijna bijvoorbeeld dan
dat de deze die dit doe doen door dus echt een eens eigen eigenlijk en er erg ergens even ga
gaan gaat geen geweest had hadden heb hebben hebt heeft hem het hier hij hoe hoeveel hun iemand
iets ik in is ja je jij jou jouw juist kan kon kun kunnen komt laat maar me meer mee men met
mij mijn mijzelf misschien moet moeten mogen na naar natuurlijk nee niet niets nog nu of ofwel
om omdat ons onze ook op over pas precies raar sinds soms steeds te tegen toch toen tot u uit
uw van veel voor vaak want was waren wat we wel welk welke werd werden wie wij wil willen word
worden wordt zal ze zelf zich zij zijn zo zoals zonder zou zouden zullen daar daarom daarna
daarvan daarmee hierover hiermee waar waarom waarin waarvan wanneer terwijl heel zeer best
gewoon weer jullie hen haar hare zo'n zulke zulk elk elke iedereen niemand ieder allemaal beide
enkele sommige weinig minder meest meeste kreeg krijgen deed kwam komen zag zien vond vinden
zeg zeggen zei weet weten denk denken ging gegaan gedaan gehad geworden gekomen gezien dingen
ding manier keer
"""

_ENGLISH = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each even ever every few
for from further get gets got had has have having he her here hers herself him himself his how i
if in into is it its itself just let like made make many me more most much must my myself no nor
not now of off often on once only or other our ours ourselves out over own quite really same she
should so some still such than that the their theirs them themselves then there these they thing
things this those through to too under until up us very was way we were what when where which
while who whom why will with would yes you your yours yourself yourselves
"""


@lru_cache(maxsize=4)
def stopwords(language: str) -> frozenset[str]:
    """The function words of a language, as typed (folded) and as grouping keys."""
    words = (_DUTCH if language == "nl" else _ENGLISH).split()
    return frozenset(words) | frozenset(word_key(word, language) for word in words)
