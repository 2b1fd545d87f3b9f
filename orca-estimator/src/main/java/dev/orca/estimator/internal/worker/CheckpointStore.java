package dev.orca.estimator.internal.worker;

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
 * reader never sees half a file. The newest few are kept.
 */
public final class CheckpointStore implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String PREFIX = "epoch-";
  private static final String SUFFIX = ".orca";
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
    Path target = new Path(dir, name(epoch));
    Path temp = new Path(dir, "." + name(epoch) + ".tmp");
    try {
      FileSystem fs = fs();
      try (OutputStream out = fs.create(temp, true)) {
        out.write(modelFile);
      }
      fs.delete(target, false);
      if (!fs.rename(temp, target)) {
        throw new IOException("rename of " + temp + " to " + target + " failed");
      }
      FileStatus[] all = list(fs);
      for (int i = 0; i < all.length - KEEP; i++) {
        fs.delete(all[i].getPath(), false);
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
    return String.format("%s%05d%s", PREFIX, epoch, SUFFIX);
  }

  private static int epochOf(String name) {
    return Integer.parseInt(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
  }
}
