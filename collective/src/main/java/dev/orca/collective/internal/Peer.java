package dev.orca.collective.internal;

import dev.orca.OrcaConfigurationException;
import java.net.InetSocketAddress;

/** A ring neighbour as messages name it: rank, address and where it sits. */
final class Peer {
  final int rank;
  final String address;
  final String host;
  final int port;
  private final String role;

  Peer(int rank, String address, String role) {
    this.rank = rank;
    this.address = address;
    this.role = role;
    int colon = address.lastIndexOf(':');
    String h = colon < 0 ? "" : address.substring(0, colon);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1); // [v6 address]:port
    }
    int p = -1;
    try {
      p = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (h.isEmpty() || p < 1 || p > 65535) {
      throw new OrcaConfigurationException(
          "ring address of worker rank "
              + rank
              + " is '"
              + address
              + "': expected host:port as returned by RingAllReduce.localAddress()");
    }
    this.host = h;
    this.port = p;
  }

  InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return "worker rank " + rank + " at " + address + " (" + role + ")";
  }
}
