package dev.orca.collective;

import dev.orca.OrcaConfigurationException;
import dev.orca.common.StaleSharedMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The settings of one {@link RingAllReduce} endpoint. Every worker of a ring must use the same
 * secret, name, chunk size and compression; host and port are each worker's own.
 *
 * <pre>{@code
 * RingOptions options = RingOptions.builder()
 *     .setSecret(jobSecret)            // required: the same per-job secret on every worker
 *     .optHost(executorHost)           // default 127.0.0.1
 *     .optCompression(Compression.FP16)
 *     .build();
 * }</pre>
 */
public final class RingOptions {
  /** Default chunk: large enough that a frame costs little, small enough to pipeline 4 MB. */
  public static final int DEFAULT_CHUNK_BYTES = 256 << 10;

  /** Where shared-memory segments go unless {@link Builder#optSharedMemoryDirectory} says. */
  public static final Path DEFAULT_SHARED_MEMORY_DIRECTORY = StaleSharedMemory.DEFAULT_DIRECTORY;

  private static final Pattern HOST_GROUP = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  static final int MIN_CHUNK_BYTES = 1 << 10;
  static final int MAX_CHUNK_BYTES = 64 << 20;

  private final byte[] secret;
  private final String host;
  private final int port;
  private final Duration timeout;
  private final Duration connectTimeout;
  private final int chunkBytes;
  private final Compression compression;
  private final String name;
  private final Transport transport;
  private final String hostGroup;
  private final Path sharedMemoryDirectory;

  private RingOptions(Builder b) {
    this.secret = b.secret.clone();
    this.host = b.host;
    this.port = b.port;
    this.timeout = b.timeout;
    this.connectTimeout = b.connectTimeout;
    this.chunkBytes = b.chunkBytes;
    this.compression = b.compression;
    this.name = b.name;
    this.transport = b.transport;
    this.hostGroup = b.hostGroup;
    this.sharedMemoryDirectory = b.sharedMemoryDirectory;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A fresh random secret (64 hex digits) for the driver to hand to every worker of one job. */
  public static String randomSecret() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** A copy of the job secret. */
  public byte[] secret() {
    return secret.clone();
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** How long an operation waits for a peer that makes no progress before it fails. */
  public Duration timeout() {
    return timeout;
  }

  /** How long {@link RingAllReduce#connect} waits for both neighbours. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Bytes of floats (before compression) sent as one frame. */
  public int chunkBytes() {
    return chunkBytes;
  }

  public Compression compression() {
    return compression;
  }

  /** Names the ring in thread names and logs; part of the handshake, so it must match too. */
  public String name() {
    return name;
  }

  /** How the floats of an all-reduce move; {@link Transport#AUTO} unless forced. */
  public Transport transport() {
    return transport;
  }

  /**
   * The host this worker counts as being on, if set ({@link Builder#optHostGroup}); null: the
   * machine it runs on.
   */
  public String hostGroup() {
    return hostGroup;
  }

  /** Where shared-memory segments are created (default {@code /dev/shm}). */
  public Path sharedMemoryDirectory() {
    return sharedMemoryDirectory;
  }

  /** Collects the settings; {@link #build()} checks them. */
  public static final class Builder {
    private byte[] secret;
    private String host = "127.0.0.1";
    private int port;
    private Duration timeout = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(60);
    private int chunkBytes = DEFAULT_CHUNK_BYTES;
    private Compression compression = Compression.NONE;
    private String name = "ring";
    private Transport transport = Transport.AUTO;
    private String hostGroup;
    private Path sharedMemoryDirectory = DEFAULT_SHARED_MEMORY_DIRECTORY;

    private Builder() {}

    /** The per-job secret every worker of this ring shares; only workers that know it join. */
    public Builder setSecret(byte[] secret) {
      this.secret = secret == null ? null : secret.clone();
      return this;
    }

    /** The per-job secret as text (UTF-8), e.g. from {@link RingOptions#randomSecret()}. */
    public Builder setSecret(String secret) {
      this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
      return this;
    }

    /** The interface to listen on, and the host the other workers connect to. */
    public Builder optHost(String host) {
      this.host = host;
      return this;
    }

    /** The port to listen on; 0 (the default) picks a free one. */
    public Builder optPort(int port) {
      this.port = port;
      return this;
    }

    /** Longest wait for a peer that makes no progress during an operation (default 60 s). */
    public Builder optTimeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Longest wait for the neighbours while forming the ring (default 60 s). */
    public Builder optConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** Bytes of floats per frame, 1 KiB to 64 MiB (default 256 KiB). */
    public Builder optChunkBytes(int chunkBytes) {
      this.chunkBytes = chunkBytes;
      return this;
    }

    public Builder optCompression(Compression compression) {
      this.compression = compression;
      return this;
    }

    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /**
     * Forces how the floats of an all-reduce move (default {@link Transport#AUTO}: chosen from
     * where the workers run). Every worker of a ring must ask for the same.
     */
    public Builder optTransport(Transport transport) {
      this.transport = transport;
      return this;
    }

    /**
     * Makes this worker count as being on the host named {@code group} (letters, digits, '.', '_',
     * '-') instead of the machine it runs on: workers of one group share memory, workers of
     * different groups talk over TCP, as if on different machines. For tests and for machines whose
     * memory should not be shared (e.g. one group per NUMA node).
     */
    public Builder optHostGroup(String group) {
      this.hostGroup = group;
      return this;
    }

    /**
     * A tmpfs directory for the shared-memory segments of {@link Transport#SHARED_MEMORY} (default
     * {@code /dev/shm}), e.g. where {@code /dev/shm} is too small in a container.
     */
    public Builder optSharedMemoryDirectory(Path directory) {
      this.sharedMemoryDirectory = directory;
      return this;
    }

    public RingOptions build() {
      if (secret == null || secret.length == 0) {
        throw new OrcaConfigurationException(
            "RingOptions: the job secret is missing: call "
                + "setSecret(...) with the same per-job value on every worker (the driver can make "
                + "one with RingOptions.randomSecret())");
      }
      if (host == null || host.isBlank()) {
        throw new OrcaConfigurationException(
            "RingOptions: host is empty: pass the address of "
                + "this worker on the network the workers share (optHost)");
      }
      if (port < 0 || port > 65535) {
        throw new OrcaConfigurationException(
            "RingOptions: port " + port + " is out of range: use 0 (any free port) or 1..65535");
      }
      checkPositive("timeout", timeout);
      checkPositive("connectTimeout", connectTimeout);
      if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
        throw new OrcaConfigurationException(
            "RingOptions: chunkBytes "
                + chunkBytes
                + " is out of range: use "
                + MIN_CHUNK_BYTES
                + " to "
                + MAX_CHUNK_BYTES);
      }
      if (compression == null) {
        throw new OrcaConfigurationException(
            "RingOptions: compression is null: use Compression.NONE, FP16 or BF16");
      }
      if (name == null || name.isBlank()) {
        throw new OrcaConfigurationException("RingOptions: name is empty");
      }
      if (transport == null) {
        throw new OrcaConfigurationException(
            "RingOptions: transport is null: use Transport.AUTO (the default) or force one");
      }
      if (hostGroup != null && !HOST_GROUP.matcher(hostGroup).matches()) {
        throw new OrcaConfigurationException(
            "RingOptions: host group '"
                + hostGroup
                + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
      }
      if (sharedMemoryDirectory == null) {
        throw new OrcaConfigurationException(
            "RingOptions: sharedMemoryDirectory is null: use a tmpfs directory such as /dev/shm");
      }
      return new RingOptions(this);
    }

    private static void checkPositive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new OrcaConfigurationException(
            "RingOptions: " + what + " " + d + " must be a positive duration, e.g. 60 s");
      }
    }
  }
}
