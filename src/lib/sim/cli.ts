import { GiveUp, UsageError } from './args';
import { runUcmCli, UCM_USAGE } from './ucm-cli';
import { runVosCli, VOS_USAGE } from './vos-cli';
import { GATEWAY_CLI_USAGE, runGatewayCli } from './gateway-cli';
import { FREESWITCH_USAGE, runFreeswitchCli } from './freeswitch-cli';
import { runAmiCli, AMI_CLI_USAGE } from './ami-cli';

/** One `cdr-sim <vendor>` subcommand. */
interface SimCommand {
  usage: string;
  run(argv: string[], signal?: AbortSignal): Promise<void>;
}

const COMMANDS: Record<string, SimCommand> = {
  ucm: { usage: UCM_USAGE, run: runUcmCli },
  vos: { usage: VOS_USAGE, run: runVosCli },
  gateway: { usage: GATEWAY_CLI_USAGE, run: runGatewayCli },
  freeswitch: { usage: FREESWITCH_USAGE, run: runFreeswitchCli },
  ami: { usage: AMI_CLI_USAGE, run: runAmiCli },
};

export function usage(): string {
  return ['Usage: cdr-sim <vendor> [options]   (cdr-sim <vendor> --help for its options)', '', ...Object.values(COMMANDS).map((c) => c.usage)].join('\n');
}

/** Runs `cdr-sim` with the arguments after the program name. Returns the exit code. */
export async function main(argv: string[], signal?: AbortSignal): Promise<number> {
  const [vendor, ...rest] = argv;
  if (!vendor || vendor === '--help' || vendor === '-h') {
    console.log(usage());
    return vendor ? 0 : 2;
  }
  const cmd = COMMANDS[vendor];
  if (!cmd) {
    console.error(`cdr-sim: unknown vendor "${vendor}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    await cmd.run(rest, signal);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`cdr-sim ${vendor}: ${(err as Error).message}\n\n${cmd.usage}`);
      return 2;
    }
    if (err instanceof GiveUp) {
      console.error(`cdr-sim ${vendor}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
