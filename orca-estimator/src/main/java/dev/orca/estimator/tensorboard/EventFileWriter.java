package dev.orca.estimator.tensorboard;

import dev.orca.OrcaException;
import dev.orca.estimator.internal.HadoopPaths;
import dev.orca.estimator.tensorboard.proto.Event;
import dev.orca.estimator.tensorboard.proto.HistogramProto;
import dev.orca.estimator.tensorboard.proto.Summary;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes one TensorBoard event file, {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>}, in a
 * folder of any Hadoop FileSystem (a local folder, {@code hdfs://}): the version event first, then
 * one event per {@link #scalar} or {@link #histogram}, each a TFRecord ({@link TfRecord}). Scalars
 * are {@code simple_value}s and histograms {@code histo}s, the forms TensorBoard reads without
 * plugin metadata. {@link #flush} makes what was written visible to a TensorBoard reading the
 * folder.
 */
public final class EventFileWriter implements AutoCloseable {
  /** The version every event file starts with. */
  public static final String FILE_VERSION = "brain.Event:2";

  private static final long PID = ProcessHandle.current().pid();
  private static int files;

  private final Path file;
  private final OutputStream out;
  private final LongSupplier clockMillis;
  private boolean closed;

  private EventFileWriter(Path file, OutputStream out, LongSupplier clockMillis) {
    this.file = file;
    this.out = out;
    this.clockMillis = clockMillis;
  }

  /** A new event file in {@code dir} (created if needed), its version event written. */
  public static EventFileWriter create(String dir) {
    return create(dir, System::currentTimeMillis);
  }

  /** As {@link #create(String)}, with the wall time of the events read from {@code clockMillis}. */
  public static EventFileWriter create(String dir, LongSupplier clockMillis) {
    Objects.requireNonNull(dir, "dir");
    long now = clockMillis.getAsLong();
    Path file =
        new Path(
            dir,
            String.format("events.out.tfevents.%d.%s.%d.%05d", now / 1000, host(), PID, next()));
    try {
      FileSystem fs = HadoopPaths.fileSystem(dir);
      // no .crc file beside it: its name holds "tfevents", and TensorBoard would read it as events
      FileSystem raw = fs instanceof ChecksumFileSystem local ? local.getRawFileSystem() : fs;
      raw.mkdirs(new Path(dir));
      EventFileWriter w = new EventFileWriter(file, raw.create(file, false), clockMillis);
      w.write(Event.newBuilder().setWallTime(now / 1000.0).setFileVersion(FILE_VERSION).build());
      w.flush();
      return w;
    } catch (IOException e) {
      throw new OrcaException(
          "cannot write TensorBoard's event file "
              + file
              + ": "
              + e.getMessage()
              + ". Choose a log folder this application may create and write.",
          e);
    }
  }

  /** The file being written. */
  public String file() {
    return file.toString();
  }

  /** One scalar of series {@code tag} at {@code step}. */
  public void scalar(String tag, long step, double value) {
    summary(step, Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value).build());
  }

  /** A histogram (see {@link Histograms}) of series {@code tag} at {@code step}. */
  public void histogram(String tag, long step, HistogramProto histogram) {
    summary(step, Summary.Value.newBuilder().setTag(tag).setHisto(histogram).build());
  }

  private void summary(long step, Summary.Value value) {
    write(
        Event.newBuilder()
            .setWallTime(clockMillis.getAsLong() / 1000.0)
            .setStep(step)
            .setSummary(Summary.newBuilder().addValue(value))
            .build());
  }

  private void write(Event event) {
    if (closed) {
      throw new IllegalStateException("the event file " + file + " is closed");
    }
    try {
      TfRecord.write(out, event.toByteArray());
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** Makes every event written so far readable by TensorBoard. */
  public void flush() {
    try {
      out.flush();
      if (out instanceof FSDataOutputStream hadoop) {
        hadoop.hflush();
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** Flushes and closes the file; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw failed(e);
    }
  }

  private OrcaException failed(IOException e) {
    return new OrcaException(
        "cannot write TensorBoard's event file " + file + ": " + e.getMessage(), e);
  }

  // two writers started in the same second (train and validation, or two fits) get two names
  private static synchronized int next() {
    return files++;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
