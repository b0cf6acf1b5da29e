// Pages without their own module still get the socket, the bell and
// the connection indicator.
import { startShell } from "../lib/shell.js";

startShell();
