using Mpsa.Controller;

return await ControllerCli.RunAsync(args).ConfigureAwait(false);
