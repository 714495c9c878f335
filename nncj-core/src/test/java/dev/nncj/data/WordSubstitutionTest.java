package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WordSubstitutionTest {
    // two clusters of directions: good/great/fine and film/movie/picture; the rest point elsewhere
    private static final Map<String, Integer> VOCABULARY = Map.of("[PAD]", 0, "good", 1, "great", 2, "fine", 3,
            "film", 4, "movie", 5, "picture", 6, "##ing", 7, "42", 8, "a", 9);
    private static final float[] TABLE = {
        0, 0, 0, // [PAD]
        1, 0.1f, 0, // good
        0.9f, 0.2f, 0, // great
        0.7f, 0.3f, 0, // fine
        0, 1, 0.1f, // film
        0, 0.9f, 0.2f, // movie
        0.1f, 0.7f, 0.3f, // picture
        1, 0, 0, // ##ing: a word piece, never a substitute
        0.95f, 0.1f, 0, // 42: not letters, never a substitute
        0, 0, 1, // a: one letter, never replaced
    };

    private final WordSubstitution substitution = WordSubstitution.fromEmbeddings(VOCABULARY, TABLE, 3,
            List.of("a good film", "fine ##ing 42 unknownword"));

    @Test
    void substitutesAreTheNearestWholeWordsByCosineNearestFirst() {
        assertThat(substitution.substitutesOf("good")).startsWith("great", "fine").doesNotContain("good", "##ing", "42");
        assertThat(substitution.substitutesOf("film")).startsWith("movie", "picture");
        assertThat(substitution.substitutesOf("fine")).startsWith("great", "good");
    }

    @Test
    void onlyWholeWordsOfTheSentencesThatTheVocabularyHoldsAreReplaced() {
        assertThat(substitution.substitutesOf("unknownword")).isEmpty();
        assertThat(substitution.substitutesOf("a")).as("a single letter").isEmpty();
        assertThat(substitution.substitutesOf("##ing")).isEmpty();
        assertThat(substitution.substitutesOf("movie")).as("not in the sentences").isEmpty();
        assertThat(substitution.replaceableWords()).isEqualTo(3); // good, film, fine
    }

    @Test
    void variantsDifferFromTheSentenceAndFromEachOtherAndAreSeeded() {
        List<String> variants = substitution.variants("a  good film .", 3, new Random(5));
        assertThat(variants).isNotEmpty().hasSizeLessThanOrEqualTo(3).doesNotHaveDuplicates().doesNotContain("a good film .");
        for (String v : variants) {
            assertThat(v).startsWith("a ").endsWith(" .");
            assertThat(v.split(" ")).hasSize(4);
        }
        assertThat(substitution.variants("a  good film .", 3, new Random(5))).isEqualTo(variants);
    }

    @Test
    void aSentenceWithNothingToReplaceHasNoVariants() {
        assertThat(substitution.variants("a 42 unknownword", 4, new Random(1))).isEmpty();
        assertThat(substitution.variants("   ", 4, new Random(1))).isEmpty();
    }

    @Test
    void refusesATableThatIsNotRowsOfTheWidth() {
        assertThatThrownBy(() -> WordSubstitution.fromEmbeddings(VOCABULARY, new float[7], 3, List.of("good")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
