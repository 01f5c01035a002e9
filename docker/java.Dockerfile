# The Java driver (drivers/java) on its pinned com.github:copilot-sdk-java, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/java.Dockerfile -t conformance-driver-java .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-java
#
# SDK_VERSION=1.0.5 builds against another published release (as the local
# runner does for SDK_VERSION). Not built on the machines this was written
# on: they reach no image registry, and their Maven registry does not serve
# the pinned release (see drivers/java/README.md).
#
# JDK 17 is the SDK's maven.compiler.release and what the local runner uses;
# the build stage needs Maven for the dependencies only, the run stage a JRE.
FROM maven:3.9-eclipse-temurin-17 AS build

WORKDIR /src
# The SDK and its dependencies in their own layer: editing Driver.java does
# not resolve them again. copy-dependencies puts the jars in one folder, so
# the run stage needs no Maven repository.
COPY drivers/java/pom.xml ./
ARG SDK_VERSION=
RUN if [ -n "$SDK_VERSION" ]; then set -- "-Dcopilot.sdk.version=$SDK_VERSION"; fi \
 && mvn -B -q "$@" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=/out/lib
COPY drivers/java/src ./src
RUN javac --release 17 -encoding UTF-8 -d /out/classes -cp '/out/lib/*' src/main/java/conformance/Driver.java

FROM eclipse-temurin:17-jre
COPY --from=build /out /driver
LABEL conformance.driver=java
USER nobody
ENTRYPOINT ["java", "-cp", "/driver/classes:/driver/lib/*", "conformance.Driver"]
