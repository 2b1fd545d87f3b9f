package dev.orca.data.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.IpcCompression;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardFileWriter;
import dev.orca.arrow.ShardReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * XShards on disk: a directory (any Hadoop file system) with one Arrow IPC file per non-empty
 * partition, {@code part-00000.arrow} and on, written and read by the tasks batch by batch, and a
 * small {@code _xshards.properties} with the number of partitions, rows and the schema.
 */
public final class ShardFiles {
  private static final String META = "_xshards.properties";

  /** What one task wrote. */
  record Written(long rows, int shards, String schema) implements Serializable {}

  /** What {@link #load} found. */
  public record Loaded(JavaRDD<Shard> shards, Schema schema, long rows) {}

  private ShardFiles() {}

  /** Writes the shards under {@code path}, which must not exist yet; closes every shard. */
  public static long save(
      JavaRDD<Shard> shards, String path, IpcCompression compression, Configuration conf) {
    Path dir = new Path(path);
    FileSystem fs = fileSystem(dir, conf);
    try {
      if (fs.exists(dir)) {
        throw new OrcaDataException(
            "cannot save XShards to "
                + path
                + ": it exists already. Choose another path"
                + " or delete it first.");
      }
      fs.mkdirs(dir);
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot create the folder "
              + path
              + ": "
              + e.getMessage()
              + ". Choose a folder this"
              + " application may create and write.",
          e);
    }
    HadoopConf shipped = new HadoopConf(conf);
    try {
      List<Written> parts =
          SparkJobs.run(
              () ->
                  shards
                      .mapPartitionsWithIndex(
                          (p, it) ->
                              List.of(
                                      writePartition(
                                          it, new Path(dir, part(p)), compression, shipped))
                                  .iterator(),
                          false)
                      .collect());
      Properties meta = new Properties();
      meta.setProperty("partitions", Integer.toString(parts.size()));
      meta.setProperty("rows", Long.toString(parts.stream().mapToLong(Written::rows).sum()));
      meta.setProperty("shards", Long.toString(parts.stream().mapToLong(Written::shards).sum()));
      meta.setProperty("compression", compression.name());
      parts.stream()
          .map(Written::schema)
          .filter(s -> s != null)
          .findFirst()
          .ifPresent(s -> meta.setProperty("schema", s));
      try (OutputStream out = fs.create(new Path(dir, META), false)) {
        meta.store(out, "Orca XShards: Arrow IPC files, one per non-empty partition");
      }
      fs.create(new Path(dir, "_SUCCESS"), false).close();
      return Long.parseLong(meta.getProperty("rows"));
    } catch (IOException | RuntimeException e) {
      deleteQuietly(fs, dir, e);
      throw e instanceof IOException io
          ? new OrcaException("Cannot save XShards to " + path + ": " + io.getMessage(), io)
          : (RuntimeException) e;
    }
  }

  /** The XShards saved under {@code path}, read lazily, one partition per saved partition. */
  public static Loaded load(JavaSparkContext jsc, String path, Configuration conf) {
    Path dir = new Path(path);
    FileSystem fs = fileSystem(dir, conf);
    Properties meta = new Properties();
    try (InputStream in = fs.open(new Path(dir, META))) {
      meta.load(in);
    } catch (IOException e) {
      throw new OrcaDataException(
          "no XShards saved at "
              + path
              + ": cannot read "
              + META
              + " there ("
              + e.getMessage()
              + "). Save with XShards.save(path) first.",
          e);
    }
    int partitions = Integer.parseInt(meta.getProperty("partitions"));
    String schema = meta.getProperty("schema");
    HadoopConf shipped = new HadoopConf(conf);
    String name = "loaded " + path;
    JavaRDD<Shard> shards =
        jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), Math.max(partitions, 1))
            .mapPartitionsWithIndex(
                (p, it) -> readPartition(new Path(dir, part(p)), name, shipped), true);
    return new Loaded(
        shards,
        schema == null ? null : SchemaJson.parse(schema),
        Long.parseLong(meta.getProperty("rows")));
  }

  private static Written writePartition(
      Iterator<Shard> it, Path file, IpcCompression compression, HadoopConf conf)
      throws IOException {
    if (!it.hasNext()) {
      return new Written(0, 0, null);
    }
    long rows = 0;
    int count = 0;
    String schema = null;
    FileSystem fs = file.getFileSystem(conf.get());
    try (ShardFileWriter writer =
        ArrowIpc.newWriter(
            Channels.newChannel(fs.create(file, true)), compression, file.toString())) {
      while (it.hasNext()) {
        try (Shard s = it.next()) {
          writer.write(s);
          rows += s.rows();
          count++;
          schema = schema == null ? s.schema().toJson() : schema;
        }
      }
    }
    return new Written(rows, count, schema);
  }

  private static Iterator<Shard> readPartition(Path file, String name, HadoopConf conf)
      throws IOException {
    FileSystem fs = file.getFileSystem(conf.get());
    if (!fs.exists(file)) {
      return Collections.emptyIterator(); // the partition was empty when saved
    }
    long size = fs.getFileStatus(file).getLen();
    ShardReader reader =
        ArrowIpc.read(
            new HadoopReadChannel(fs.open(file), size),
            ArrowMemory.current(),
            name + "/" + file.getName());
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener(new CloseAtTaskEnd(reader)); // if the consumer stops early
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        boolean more = reader.hasNext();
        if (!more) {
          reader.close();
        }
        return more;
      }

      @Override
      public Shard next() {
        return reader.next();
      }
    };
  }

  private static String part(int partition) {
    return String.format("part-%05d.arrow", partition);
  }

  private static FileSystem fileSystem(Path dir, Configuration conf) {
    try {
      return dir.getFileSystem(conf);
    } catch (IOException e) {
      throw new OrcaConfigurationException(
          "No file system for "
              + dir
              + ": "
              + e.getMessage()
              + ". Use a path of a"
              + " file system this application has (file:, hdfs:, or s3a: with hadoop-aws on the classpath).",
          e);
    }
  }

  private static void deleteQuietly(FileSystem fs, Path dir, Exception cause) {
    try {
      fs.delete(dir, true);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  private record CloseAtTaskEnd(ShardReader reader)
      implements org.apache.spark.util.TaskCompletionListener {
    @Override
    public void onTaskCompletion(TaskContext context) {
      reader.close();
    }
  }
}
