// Pages without their own module (settings) still get the socket, the bell and
// the connection indicator.
import { startShell } from "../lib/shell.js";

startShell();
