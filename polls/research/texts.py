"""The codebook's prose: how polls treats what participants type, swearing, images, themes."""

from __future__ import annotations

NORMALISATION = (
    "What participants type is cleaned once, when it arrives, and stored like that: Unicode "
    "NFC, invisible characters removed (format characters such as zero-width spaces, the "
    "byte-order mark and bidirectional controls, except the joiners inside emoji; control "
    "characters; blank fillers), white space folded; a word with nothing visible left is "
    "refused. Lengths count what a reader sees as one character (grapheme clusters: an emoji "
    "with a skin tone is one). Word-cloud words are grouped by a normalised form: lower case "
    "(casefold), punctuation and symbols at both ends removed, each word taken to its "
    "dictionary form (lemma) by simplemma in the presentation's language (Dutch or English: "
    "'mooie' to 'mooi', 'leerde' to 'leren', 'children' to 'child'), or, for a word the "
    "dictionary does not know, stemmed with the Snowball stemmer (repeated until stable); a "
    "short list of exceptions in polls/core/words.py overrides both where they disagree with a "
    "native speaker; then accents removed. Derived words stay apart from their roots "
    "('eenzaamheid' is not 'eenzaam'). The cloud shows each "
    "group under the spelling most people typed, as typed (only quotes or brackets around a "
    "whole word are taken off); ties go to a spelling without punctuation at its ends, then to "
    "lower case, then to the shorter."
)

SWEARING = (
    "Swear words and slurs are found by the lists in polls/core/profanity_lists (Dutch and "
    "English): a word matches when it is on a list as a whole word (case, accents and "
    "punctuation at its ends ignored) or is a compound that begins with a listed part "
    "('kanker-', 'kut-', 'klote-' and the like, followed by at least 3 more letters), unless "
    "it is a listed exception (kankerpatiënt, kankeronderzoek, ...); stems are never used. "
    "An open answer matches when any of its words does. The column profanity marks every "
    "match. With the presentation's profanity setting 'hide' (the default) a match is kept off "
    "the screen and out of the cloud images unless the presenter chose to show it: such rows "
    "have hidden 1 and hidden_reason 'profanity'; what the presenter hid by hand has "
    "hidden_reason 'moderator'."
)

IMAGES = (
    "Cloud images show what the presenter's screen showed, at the same places. The PNG is drawn "
    "in DejaVu Sans Bold and leaves emoji out (it cannot draw them in colour); the SVG keeps "
    "them."
)

THEMES = (
    "Researchers code open answers into themes on the research page: they make themes "
    "(accepting polls' suggestions or their own), rename and merge them, and tick the themes "
    "of each answer; an answer may have several. Themes are kept with the presentation, not "
    "with participants. Suggestions group answers that share a word in the form the word "
    "cloud groups words by (its dictionary form), leaving function words out; they are only "
    "suggestions: every theme in this export was accepted or made by a researcher. The column "
    "themes lists an answer's themes; the table of answers and themes (answer_themes) has "
    "one row per answer and theme; theme_counts counts the answers of each theme per question "
    "and session. Across sessions, themes with the same name (ignoring case) are the same."
)

REACTIONS = (
    "When a presentation offers reactions (heart, thumbs_up, clap, laugh, question), the "
    "audience may send them at any moment, at most one a second each on average. They are "
    "stored as counts per slide, minute and reaction, never per person: the table reactions "
    "(reactions.csv in the zip, a sheet in XLSX, an array in JSON) has one row per slide, "
    "minute (its start, UTC) and reaction with its count. Deleting a presentation's answers "
    "keeps these counts, which say nothing about anyone."
)

AUDIENCE_QUESTIONS = (
    "When a presentation takes questions from the audience (qa: true, or a qa slide), "
    "participants may ask the speaker questions and upvote each other's, at most once each "
    "(a participant may take an upvote back). The table audience_questions "
    "(audience_questions.csv in the zip, a sheet in XLSX, an array in JSON) has one row per "
    "question: its text, when it was asked, its upvotes at the end, what the presenter made of "
    "it (answering, answered and when) and whether the audience saw it. Neither who asked nor "
    "who voted is exported."
)
