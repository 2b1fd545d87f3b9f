package dev.orca.ml.internal;

import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

/**
 * Saving and loading the stages on any Hadoop path, as Spark ML does for its own: the params in
 * Spark's metadata file ({@code metadata/}, written and read by Spark's DefaultParamsWriter and
 * DefaultParamsReader, the one place this module uses Spark ML below its public API), and a fitted
 * stage's network beside it in the Orca model file format ({@code network/model.orca}).
 */
public final class StagePersistence {
  private static final String NETWORK = "network/model.orca";

  private StagePersistence() {}

  /** Makes a stage of a saved uid and network (null for a stage without one). */
  @FunctionalInterface
  public interface Maker<T extends Params> {
    T make(String uid, byte[] network);
  }

  /** A writer of {@code stage}'s params and, unless null, its network. */
  public static MLWriter writer(Params stage, byte[] network) {
    return new Writer(stage, network);
  }

  /** A reader of stages of {@code type}, made by {@code maker}; with or without a network. */
  public static <T extends Params> MLReader<T> reader(
      Class<T> type, boolean withNetwork, Maker<T> maker) {
    return new Reader<>(type, withNetwork, maker);
  }

  private static final class Writer extends MLWriter {
    private final Params stage;
    private final byte[] network;

    Writer(Params stage, byte[] network) {
      this.stage = stage;
      this.network = network;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter$.MODULE$.saveMetadata(stage, path, sparkSession());
      if (network == null) {
        return;
      }
      Path file = new Path(path, NETWORK);
      try {
        FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
        try (OutputStream out = fs.create(file, true)) {
          out.write(network);
        }
      } catch (IOException e) {
        throw new OrcaException(
            "Cannot write the network of "
                + stage.uid()
                + " to "
                + file
                + ": "
                + e.getMessage()
                + ". Choose a folder this application may create and write.",
            e);
      }
    }
  }

  private static final class Reader<T extends Params> extends MLReader<T> {
    private final Class<T> type;
    private final boolean withNetwork;
    private final Maker<T> maker;

    Reader(Class<T> type, boolean withNetwork, Maker<T> maker) {
      this.type = type;
      this.withNetwork = withNetwork;
      this.maker = maker;
    }

    @Override
    public T load(String path) {
      DefaultParamsReader.Metadata metadata =
          DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(), type.getName());
      byte[] network = withNetwork ? readNetwork(new Path(path, NETWORK)) : null;
      T stage = maker.make(metadata.uid(), network);
      metadata.getAndSetParams(stage, Option.empty());
      return stage;
    }

    /** The network file, checked to be one (a damaged file fails here, naming it). */
    private byte[] readNetwork(Path file) {
      byte[] bytes;
      try {
        FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
        try (InputStream in = fs.open(file)) {
          bytes = in.readAllBytes();
        }
      } catch (IOException e) {
        throw new OrcaException(
            "Cannot read the network "
                + file
                + ": "
                + e.getMessage()
                + ". Give the folder a saved model (or pipeline stage) was written to.",
            e);
      }
      try (Model check = Model.fromBytes(bytes, Engine.create(1))) {
        return bytes;
      } catch (OrcaDataException e) {
        throw new OrcaDataException(file + ": " + e.getMessage(), e);
      }
    }
  }
}
