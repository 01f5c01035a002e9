# The .NET driver (drivers/dotnet) on its pinned NuGet GitHub.Copilot.SDK, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/dotnet.Dockerfile -t conformance-driver-dotnet .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-dotnet
#
# This is how a CI with NuGet and Microsoft's image registry runs the .NET
# SDK. It has NOT been built on the machines this suite was written on:
# they reach neither NuGet nor mcr.microsoft.com, have no .NET toolchain,
# and docker/base-images.sh has no stand-in for these images (it stops
# naming them). SDK_VERSION=1.0.4 restores another published version.
FROM mcr.microsoft.com/dotnet/sdk:8.0-bookworm-slim AS build

WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
COPY drivers/dotnet/Driver.csproj ./
ARG SDK_VERSION=
# Restore first, in its own layer: editing Program.cs does not download again.
RUN dotnet restore ${SDK_VERSION:+-p:CopilotSdkVersion=$SDK_VERSION}
COPY drivers/dotnet/Program.cs ./
RUN dotnet publish -c Release --no-restore -o /out ${SDK_VERSION:+-p:CopilotSdkVersion=$SDK_VERSION}

FROM mcr.microsoft.com/dotnet/runtime:8.0-bookworm-slim
COPY --from=build /out /driver
LABEL conformance.driver=dotnet
USER nobody
ENTRYPOINT ["dotnet", "/driver/Driver.dll"]
