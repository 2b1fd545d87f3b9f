package dev.orca.sampledata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * The real data sets the tests and examples use (and one model trained on them), each held once as
 * a resource beside this class (sources and licences in the README there). Spark reads paths, not
 * streams, and a resource inside a jar has no path: {@link #copyTo} writes one out as a file.
 */
public enum SampleData {
  /**
   * UCI handwritten digits: 1797 lines of 64 pixel values 0..16 (an 8x8 image, row by row), then
   * the label 0..9; no header. {@link Digits#load()} reads it into arrays.
   */
  DIGITS("digits.csv.gz"),
  /**
   * UCI Wisconsin diagnostic breast cancer: a first line {@code 569,30,malignant,benign}, then 569
   * lines of 30 features and the label (0 malignant, 1 benign).
   */
  BREAST_CANCER("breast_cancer.csv"),
  /**
   * Not data but a model made from it: a small CNN trained with PyTorch on the digits 0 to 4 of
   * {@link #DIGITS}, as ONNX (opset 13). Input {@code (batch, 1, 8, 8)}, the pixels divided by 16;
   * output the 5 logits of the digits 0 to 4. Its base ends at the node {@code
   * /features/features.6/Flatten}. For the transfer-learning example and tests.
   */
  DIGITS_0_TO_4_CNN("digits-0to4-cnn.onnx");

  private final String fileName;

  SampleData(String fileName) {
    this.fileName = fileName;
  }

  /** The file's name, with the extension Spark picks the codec from. */
  public String fileName() {
    return fileName;
  }

  /**
   * The data set as the file {@code dir/}{@link #fileName()}, creating {@code dir} if needed.
   * Written once: a file already there with the same bytes is reused, any other is replaced.
   *
   * @return the file's absolute path (executors in other JVMs resolve relative paths elsewhere)
   */
  public Path copyTo(Path dir) {
    Path file = dir.resolve(fileName).toAbsolutePath();
    try {
      byte[] bytes;
      try (InputStream in = open()) {
        bytes = in.readAllBytes();
      }
      if (Files.isRegularFile(file)
          && Files.size(file) == bytes.length
          && Arrays.equals(Files.readAllBytes(file), bytes)) {
        return file;
      }
      Files.createDirectories(file.getParent());
      // a reader never sees half a file: write beside it, then rename over it
      Path part = Files.createTempFile(file.getParent(), fileName, ".part");
      try {
        Files.write(part, bytes);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(part);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the sample data " + fileName + " to " + file, e);
    }
  }

  /** The resource's bytes as stored (still compressed for a {@code .gz}); the caller closes it. */
  InputStream open() {
    InputStream in = SampleData.class.getResourceAsStream(fileName);
    if (in == null) {
      throw new IllegalStateException(
          "the resource dev/orca/sampledata/"
              + fileName
              + " is not on the classpath: put the sample-data jar on it");
    }
    return in;
  }
}
