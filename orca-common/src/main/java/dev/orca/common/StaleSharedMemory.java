package dev.orca.common;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What killed processes leave in a shared-memory directory ({@code /dev/shm}), and its removal:
 * segments of the collective's rings whose creator died before every member had mapped them
 * (afterwards their name is gone already), and the registration files of Intel's OpenMP runtime
 * ({@code __KMP_REGISTERED_LIB_<pid>_<uid>}), which MKL loads in every worker JVM and which only a
 * normal exit removes. Both carry the pid of the process that made them; a file whose process is
 * gone is removed, any other left alone. Swept by the driver after each fit and when the context
 * stops, by each worker as it starts, and by the first worker of a host as it creates a segment.
 */
public final class StaleSharedMemory {
  /** Where shared-memory files go unless configured otherwise. */
  public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");

  /** How a ring's segment is named: {@code orca-ring-<creator pid>-<hex digest>.shm}. */
  public static final String SEGMENT_PREFIX = "orca-ring-";

  private static final Logger LOG = LoggerFactory.getLogger(StaleSharedMemory.class);
  private static final Pattern OWNED =
      Pattern.compile(
          "(?:"
              + Pattern.quote(SEGMENT_PREFIX)
              + "(\\d+)-[0-9a-f]+\\.(?:shm|tmp)|__KMP_REGISTERED_LIB_(\\d+)(?:_\\d+)?)");

  private StaleSharedMemory() {}

  /** The pid a file of {@code name} belongs to, or -1 if it is not one of ours to judge. */
  public static long ownerPid(String name) {
    Matcher m = OWNED.matcher(name);
    if (!m.matches()) {
      return -1;
    }
    return Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
  }

  /** Removes the files in {@link #DEFAULT_DIRECTORY} whose process is gone; returns them. */
  public static List<Path> removeAll() {
    return removeAll(DEFAULT_DIRECTORY);
  }

  /** Removes the files in {@code dir} whose process is gone; returns them. */
  public static List<Path> removeAll(Path dir) {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        long pid = ownerPid(f.getFileName().toString());
        if (pid > 0 && !alive(pid)) {
          try {
            if (Files.deleteIfExists(f)) {
              removed.add(f);
            }
          } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", f, e.toString()); // another user's, or just gone
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot list {}: {}", dir, e.toString());
    }
    if (!removed.isEmpty()) {
      LOG.info(
          "removed {} file(s) that ended processes left in {}: {}", removed.size(), dir, removed);
    }
    return removed;
  }

  /** True while process {@code pid} runs (as far as this JVM can see). */
  public static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
