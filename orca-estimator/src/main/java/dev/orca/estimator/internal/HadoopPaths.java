package dev.orca.estimator.internal;

import dev.orca.OrcaDataException;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Paths given by the user as Hadoop FileSystem paths: a URI ({@code hdfs://...}), or a local path.
 */
public final class HadoopPaths {
  private HadoopPaths() {}

  /** The file system of {@code path}; a path without a scheme is a local file. */
  public static FileSystem fileSystem(String path) throws IOException {
    URI uri = path.contains("://") ? URI.create(path) : new File(path).toURI();
    return FileSystem.get(uri, new Configuration());
  }

  /**
   * The error for {@code file} (described as {@code what}, e.g. "the model file") whose bytes no
   * longer match the checksum its file system keeps: on a local file system the {@code .name.crc}
   * Hadoop wrote beside it, which is what a change to the file without Hadoop trips over.
   */
  public static OrcaDataException corrupted(
      String what, FileSystem fs, Path file, ChecksumException e) {
    String advice =
        fs instanceof ChecksumFileSystem local
            ? "its bytes no longer match the checksum Hadoop keeps beside it in "
                + local.getChecksumFile(file).getName()
                + " ("
                + e.getMessage()
                + "). Restore the file from a copy or write it again; only if the change was"
                + " intended, delete "
                + local.getChecksumFile(file)
                + " so that it is read as it is now"
            : "its bytes no longer match the checksum its file system keeps ("
                + e.getMessage()
                + "). Restore the file from a copy or write it again";
    return new OrcaDataException(what + " " + file + " is corrupted: " + advice + ".", e);
  }
}
