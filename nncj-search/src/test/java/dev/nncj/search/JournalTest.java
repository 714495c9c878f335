package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    private static final RunFingerprint RUN = new RunFingerprint("aa", "bb", "space", "none", 7);
    private static final Architecture A = Architecture.parse("layers 0,1 heads 2,4 ffn 128,256 int8-dynamic table-int8");
    private static final Architecture B = Architecture.parse("layers 1 heads 2 ffn 128 fp32 table-fp32");

    @Test
    void aResumedJournalHoldsEverythingAppendedAndAppendsAfterIt() {
        Path file = dir.resolve("journal.jsonl");
        try (Journal j = Journal.create(file, RUN)) {
            j.append(JournalEntry.ok(A, "inherited", new Objectives(0.81, 0.4, 0.3), 12345, 1.5));
            j.append(JournalEntry.failed(B, "short-distill", "diverged at step 12", 3.0));
        }
        try (Journal j = Journal.resume(file, RUN)) {
            assertThat(j.entries()).containsExactly(
                    JournalEntry.ok(A, "inherited", new Objectives(0.81, 0.4, 0.3), 12345, 1.5),
                    JournalEntry.failed(B, "short-distill", "diverged at step 12", 3.0));
            j.append(JournalEntry.ok(B, "inherited", new Objectives(0.7, 0.2, 0.1), 99, 0.5));
        }
        assertThat(Journal.resume(file, RUN).entries()).hasSize(3).last()
                .extracting(JournalEntry::architecture).isEqualTo(B);
    }

    /** A journal holding one entry of A, then half a line, as a kill during the write leaves it. */
    private Path oneEntryAndALineTornByAKill() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        try (Journal j = Journal.create(file, RUN)) {
            j.append(JournalEntry.ok(A, "inherited", new Objectives(0.81, 0.4, 0.3), 12345, 1.5));
        }
        Files.writeString(file, "{\"candidate\":\"layers 1 he", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return file;
    }

    @Test
    void aLineTornByAKillIsDroppedAndOverwritten() throws Exception {
        Path file = oneEntryAndALineTornByAKill();
        try (Journal j = Journal.resume(file, RUN)) {
            assertThat(j.entries()).hasSize(1);
            j.append(JournalEntry.ok(B, "inherited", new Objectives(0.7, 0.2, 0.1), 99, 0.5));
        }
        assertThat(Files.readAllLines(file)).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
    }

    @Test
    void readingAJournalLeavesItAsItWasTornLineAndAll() throws Exception {
        Path file = oneEntryAndALineTornByAKill();
        byte[] before = Files.readAllBytes(file);
        assertThat(Journal.read(file)).containsExactly(
                JournalEntry.ok(A, "inherited", new Objectives(0.81, 0.4, 0.3), 12345, 1.5));
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThatThrownBy(() -> Journal.read(dir.resolve("none.jsonl"))).isInstanceOf(NncjException.class)
                .hasMessage(dir.resolve("none.jsonl") + ": no search journal there");
    }

    @Test
    void aJournalOfAnotherSearchIsRefusedNamingTheDifference() {
        Path file = dir.resolve("journal.jsonl");
        Journal.create(file, RUN).close();
        RunFingerprint otherTeacher = new RunFingerprint("cc", "bb", "space", "none", 7);
        assertThatThrownBy(() -> Journal.resume(file, otherTeacher)).isInstanceOf(NncjException.class)
                .hasMessage(file + ": journal of another search: teacher_model_sha256 is aa there, cc here");
        assertThatThrownBy(() -> Journal.create(file, RUN)).isInstanceOf(NncjException.class)
                .hasMessageContaining("already there");
    }

    /** Journals before the model digest fingerprinted the teacher's file: refused, saying the field is absent. */
    @Test
    void aJournalThatFingerprintedTheTeachersFileIsRefused() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Files.writeString(file, "{\"fingerprint\":{\"teacher_sha256\":\"aa\",\"data_sha256\":\"bb\",\"space\":\"space\","
                + "\"budget\":\"none\",\"seed\":7}}\n");
        assertThatThrownBy(() -> Journal.resume(file, RUN)).isInstanceOf(NncjException.class)
                .hasMessage(file + ": journal of another search: teacher_model_sha256 is absent there, aa here");
    }

    @Test
    void aDamagedEntryIsNamedByItsLine() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Journal.create(file, RUN).close();
        Files.writeString(file, "{\"candidate\":\"not one\",\"stage\":\"x\",\"seconds\":1}\n", StandardOpenOption.APPEND);
        assertThatThrownBy(() -> Journal.resume(file, RUN)).isInstanceOf(NncjException.class)
                .hasMessageStartingWith(file + ":2: not a search journal entry");
    }
}
