// What nearly every slice uses: the document store, the message bus and HTTP endpoints, time, roles and the hosting mechanisms.
global using Marten;
global using Microsoft.AspNetCore.Authorization;
global using Microsoft.AspNetCore.Mvc;
global using NodaTime;
global using TimeBank.Access;
global using TimeBank.Hosting;
global using Wolverine;
global using Wolverine.Http;
