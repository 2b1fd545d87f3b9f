package dev.orca.estimator.internal.worker;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.estimator.internal.HadoopPaths;
import dev.orca.nn.io.ModelFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checkpoints in any Hadoop FileSystem (a local folder, {@code hdfs://}, {@code s3a://}): one model
 * file per checkpoint, {@code epoch-00012.orca}, written under a temporary name and renamed, so a
 * reader never sees half a file, and beside it the training state to resume from, {@code
 * epoch-00012.state}, written before it. The newest few are kept; {@code best.orca} and {@code
 * best.state} hold the best epoch by a monitored value, when asked.
 */
public final class CheckpointStore implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String PREFIX = "epoch-";
  private static final String SUFFIX = ".orca";
  private static final String STATE = ".state";
  private static final String BEST = "best";
  private static final int KEEP = 3;

  private final String dir;

  public CheckpointStore(String dir) {
    this.dir = dir;
  }

  public String dir() {
    return dir;
  }

  /** Fails before training if the folder cannot be created or written, naming it and why. */
  public void checkWritable() {
    Path probe = new Path(dir, ".orca-write-test-" + System.nanoTime());
    try {
      FileSystem fs = fs();
      fs.mkdirs(new Path(dir));
      try (OutputStream out = fs.create(probe, true)) {
        out.write(1);
      }
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw new OrcaConfigurationException(
          "The checkpoint directory "
              + dir
              + " cannot be written: "
              + e.getMessage()
              + ". Choose a folder this application may create and write, or drop"
              + " checkpoints.",
          e);
    }
  }

  /** Writes the model file of {@code epoch} (0-based, the last finished epoch). */
  public void write(int epoch, byte[] modelFile) {
    write(epoch, modelFile, null, KEEP);
  }

  /**
   * Writes the model file of {@code epoch} (0-based) and, if not null, the training state beside
   * it; keeps the newest {@code keep} checkpoints.
   */
  public void write(int epoch, byte[] modelFile, String state, int keep) {
    Path target = new Path(dir, name(epoch));
    try {
      FileSystem fs = fs();
      if (state != null) {
        replace(fs, new Path(dir, PREFIX + digits(epoch) + STATE), state.getBytes(UTF_8));
      }
      replace(fs, target, modelFile);
      FileStatus[] all = list(fs);
      for (int i = 0; i < all.length - keep; i++) {
        fs.delete(all[i].getPath(), false);
        fs.delete(stateOf(all[i].getPath()), false);
      }
    } catch (IOException e) {
      throw new OrcaException(
          "cannot write the checkpoint of epoch "
              + (epoch + 1)
              + " to "
              + target
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Writes the best model so far ({@code best.orca}) and its training state. */
  public void writeBest(byte[] modelFile, String state) {
    try {
      FileSystem fs = fs();
      replace(fs, new Path(dir, BEST + STATE), state.getBytes(UTF_8));
      replace(fs, new Path(dir, BEST + SUFFIX), modelFile);
    } catch (IOException e) {
      throw new OrcaException(
          "cannot write the best model to " + dir + "/" + BEST + SUFFIX + ": " + e.getMessage(), e);
    }
  }

  // under a temporary name, then renamed: a reader sees the old file or the new one, never half
  private void replace(FileSystem fs, Path target, byte[] bytes) throws IOException {
    Path temp = new Path(dir, "." + target.getName() + ".tmp");
    try (OutputStream out = fs.create(temp, true)) {
      out.write(bytes);
    }
    fs.delete(target, false);
    if (!fs.rename(temp, target)) {
      throw new IOException("rename of " + temp + " to " + target + " failed");
    }
  }

  /**
   * The training state written beside the checkpoint of {@code epoch}, if there is one; a damaged
   * file fails naming it.
   */
  public Optional<String> readState(int epoch) {
    Path file = new Path(dir, PREFIX + digits(epoch) + STATE);
    try {
      FileSystem fs = fs();
      if (!fs.exists(file)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(file)) {
        return Optional.of(new String(in.readAllBytes(), UTF_8));
      } catch (ChecksumException e) {
        throw HadoopPaths.corrupted("the training state", fs, file, e);
      }
    } catch (IOException e) {
      throw new OrcaException("cannot read the training state " + file + ": " + e.getMessage(), e);
    }
  }

  /** The name of the training state beside {@code epoch}'s checkpoint, for messages. */
  public String stateFile(int epoch) {
    return new Path(dir, PREFIX + digits(epoch) + STATE).toString();
  }

  /** The newest checkpoint, if there is one. */
  public Optional<Checkpoint> latest() {
    try {
      FileSystem fs = fs();
      if (!fs.exists(new Path(dir))) {
        return Optional.empty();
      }
      FileStatus[] all = list(fs);
      if (all.length == 0) {
        return Optional.empty();
      }
      int epoch = epochOf(all[all.length - 1].getPath().getName());
      return read(epoch).map(bytes -> new Checkpoint(epoch, bytes));
    } catch (IOException e) {
      throw new OrcaException("cannot read the checkpoints in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The checkpoint of {@code epoch}, if it exists, checked up to its checksum here, where its name
   * is known: a damaged file fails naming it, before the workers are handed its bytes.
   */
  public Optional<byte[]> read(int epoch) {
    Path file = new Path(dir, name(epoch));
    try {
      FileSystem fs = fs();
      if (!fs.exists(file)) {
        return Optional.empty();
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (InputStream in = fs.open(file)) {
        in.transferTo(bytes);
      } catch (ChecksumException e) {
        throw HadoopPaths.corrupted("the checkpoint", fs, file, e);
      }
      byte[] modelFile = bytes.toByteArray();
      try {
        ModelFile.verify(new ByteArrayInputStream(modelFile));
      } catch (OrcaDataException e) {
        throw new OrcaDataException(
            "the checkpoint " + file + " cannot be resumed from: " + e.getMessage(), e);
      }
      return Optional.of(modelFile);
    } catch (IOException e) {
      throw new OrcaException("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /** A checkpoint: the last finished epoch and the model file. */
  public record Checkpoint(int epoch, byte[] modelFile) {}

  private FileStatus[] list(FileSystem fs) throws IOException {
    FileStatus[] all =
        fs.listStatus(
            new Path(dir), p -> p.getName().startsWith(PREFIX) && p.getName().endsWith(SUFFIX));
    Arrays.sort(all, Comparator.comparingInt(s -> epochOf(s.getPath().getName())));
    return all;
  }

  private FileSystem fs() throws IOException {
    return HadoopPaths.fileSystem(dir);
  }

  private static String name(int epoch) {
    return PREFIX + digits(epoch) + SUFFIX;
  }

  private static String digits(int epoch) {
    return String.format("%05d", epoch);
  }

  private static Path stateOf(Path checkpoint) {
    String n = checkpoint.getName();
    return new Path(checkpoint.getParent(), n.substring(0, n.length() - SUFFIX.length()) + STATE);
  }

  private static int epochOf(String name) {
    return Integer.parseInt(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
  }
}
