import type { CommandModule } from '../index.ts';

// The `classify` command is being written (see the issue that owns it); it is registered so --help lists it.
const command: CommandModule = {
  register(cli, io, done) {
    cli.command('classify', 'not available yet').allowUnknownOptions().action(() => {
      io.stderr('hf-core classify is not available in this build yet.');
      done(2);
    });
  },
};
export default command;
