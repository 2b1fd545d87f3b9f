package dev.orca.sampledata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data sets as files, for readers that want a path (Spark). */
class SampleDataTest {
  @TempDir Path dir;

  @Test
  void digitsCopyToAFileOfAllRowsThatKeepsTheGzipExtension() throws IOException {
    Path file = SampleData.DIGITS.copyTo(dir.resolve("new/folder"));
    assertEquals(dir.resolve("new/folder/digits.csv.gz"), file);
    assertTrue(file.isAbsolute());
    List<String> lines;
    try (InputStream raw = Files.newInputStream(file);
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII))) {
      lines = in.lines().toList();
    }
    assertEquals(1797, lines.size());
    assertEquals(65, lines.get(0).split(",").length);
    assertEquals(Digits.load().labels()[1796], Float.parseFloat(lines.get(1796).split(",")[64]));
  }

  @Test
  void breastCancerCopiesWithItsDescriptionLineAndBothClasses() throws IOException {
    List<String> lines =
        Files.readAllLines(SampleData.BREAST_CANCER.copyTo(dir), StandardCharsets.US_ASCII);
    assertEquals("569,30,malignant,benign", lines.get(0));
    assertEquals(570, lines.size());
    int[] counts = new int[2];
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",");
      assertEquals(31, cells.length);
      counts[Integer.parseInt(cells[30])]++;
    }
    assertArrayEquals(new int[] {212, 357}, counts, "malignant, benign");
  }

  @Test
  void aSecondCopyReusesTheFileAndAChangedOneIsReplaced() throws IOException {
    Path file = SampleData.BREAST_CANCER.copyTo(dir);
    byte[] original = Files.readAllBytes(file);
    FileTime old = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(file, old);
    assertEquals(file, SampleData.BREAST_CANCER.copyTo(dir));
    assertEquals(old, Files.getLastModifiedTime(file), "an identical file was written again");

    Files.writeString(file, "something else");
    SampleData.BREAST_CANCER.copyTo(dir);
    assertArrayEquals(original, Files.readAllBytes(file));
    try (var left = Files.list(dir)) {
      assertEquals(List.of(file), left.toList(), "no partial file is left beside it");
    }
  }
}
