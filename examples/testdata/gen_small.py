#!/usr/bin/env python3
"""Writes small.txt: about 210 KB of English-like text for the KMP and
QuickSort examples. The sentences were written for mamoc and are dedicated to
the public domain (CC0). The output is deterministic: running this again
reproduces small.txt byte for byte."""

SENTENCES = [
    "The old lighthouse keeper climbed the stairs every evening before the sun went down.",
    "He carried a lamp, a notebook and a small loaf of bread wrapped in a blue cloth.",
    "From the gallery he could see the harbour, the fishing boats and the long grey road to the town.",
    "The wind came from the west and smelled of salt, tar and rain that had not yet fallen.",
    "Nobody in the village remembered a night when the light had failed to turn.",
    "His daughter had gone to the city to study the stars and the laws that move them.",
    "She wrote to him every week, and he read her letters aloud to the gulls on the rail.",
    "In the winter the sea rose higher than the rocks and threw white water against the door.",
    "The keeper kept a record of every ship that passed, with the hour and the state of the sky.",
    "Some nights there were none at all, and he wrote only the word calm in a careful hand.",
    "A traveller once asked him whether he was lonely on the edge of the land.",
    "He answered that a man who watches the sea is never alone, for the sea is always watching back.",
    "In spring the doctor from the town rowed out with newspapers, medicine and news of the world.",
    "They drank tea in the kitchen and argued about the weather, the price of fish and the government.",
    "The doctor said that machines would one day keep the light without any help from a keeper.",
    "The keeper laughed and said that a machine would never know which way the storm was coming.",
    "When the great storm of that year arrived, the telegraph line to the town was the first thing to break.",
    "For three days the waves covered the path, and the keeper could not reach the garden or the well.",
    "He rationed the oil, mended the clockwork that turned the lens and slept in short hours by the fire.",
    "On the fourth morning the sky was clear, and a small steamer came round the point to look for him.",
    "The captain found him asleep in his chair with the notebook open on his knees.",
    "The last line in the book said that the light had turned all night and that every ship was safe.",
    "Years later his daughter came home and found the notebooks stacked on the shelf above the stove.",
    "She read them one by one and learned more about the sea than any of her teachers had known.",
    "Then she climbed the stairs, lit the lamp, and watched the beam sweep across the dark water.",
]


def main():
    state = 12345  # a small linear congruential generator, so the text is reproducible

    def rand(n):
        nonlocal state
        state = (state * 1103515245 + 12345) % 2147483648
        return (state >> 8) % n

    out = []
    size = 0
    chapter = 1
    while size < 210000:
        head = "CHAPTER %d\n\n" % chapter
        out.append(head)
        size += len(head)
        for _ in range(6 + rand(5)):
            para = " ".join(SENTENCES[rand(len(SENTENCES))] for _ in range(3 + rand(6)))
            out.append(para + "\n\n")
            size += len(para) + 2
        chapter += 1
    with open("small.txt", "w", encoding="ascii", newline="\n") as f:
        f.write("".join(out))


if __name__ == "__main__":
    main()
