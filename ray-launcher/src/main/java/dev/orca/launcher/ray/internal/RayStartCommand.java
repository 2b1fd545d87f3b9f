package dev.orca.launcher.ray.internal;

import dev.orca.launcher.ray.RayOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code ray start} command lines of a head and of a worker node. */
public final class RayStartCommand {
  private RayStartCommand() {}

  /** {@code ray start --head --block --port=P --node-ip-address=H ...} */
  public static List<String> head(Path ray, String host, int port, int cores, RayOptions options) {
    List<String> cmd = base(ray);
    cmd.add("--head");
    cmd.add("--port=" + port);
    return finish(cmd, host, cores, options);
  }

  /** {@code ray start --address=HEAD --block --node-ip-address=H ...} */
  public static List<String> worker(
      Path ray, String host, String headAddress, int cores, RayOptions options) {
    List<String> cmd = base(ray);
    cmd.add("--address=" + headAddress);
    return finish(cmd, host, cores, options);
  }

  private static List<String> base(Path ray) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ray.toString());
    cmd.add("start");
    cmd.add("--block"); // stays in the foreground for the life of the node: its task waits on it
    return cmd;
  }

  private static List<String> finish(List<String> cmd, String host, int cores, RayOptions options) {
    cmd.add("--node-ip-address=" + host);
    cmd.add("--num-cpus=" + cores);
    if (options.objectStoreMemoryBytes() > 0) {
      cmd.add("--object-store-memory=" + options.objectStoreMemoryBytes());
    }
    cmd.add("--disable-usage-stats");
    cmd.addAll(options.extraStartOptions());
    return cmd;
  }
}
