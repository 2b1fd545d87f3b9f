package com.example.orcauser;

import java.io.Serializable;

/** Another class of the same package as {@link Reach}, never registered. */
public final class Unregistered implements Serializable {
  private static final long serialVersionUID = 1L;
}
