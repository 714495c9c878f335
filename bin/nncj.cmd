@echo off
rem Starts the NNCJ command line from an unpacked distribution (jars in lib\). NNCJ_JAVA_OPTS replaces the
rem JVM options (default -Xmx8g); JAVA_HOME\bin\java runs it if JAVA_HOME is set, else java from the PATH.
rem The distribution carries PyTorch natives for Linux x86-64 only: training commands need Linux.
setlocal
for %%i in ("%~dp0..") do set "NNCJ_HOME=%%~fi"
if "%NNCJ_JAVA_OPTS%"=="" set "NNCJ_JAVA_OPTS=-Xmx8g"
set "JAVA_EXE=java"
if defined JAVA_HOME set "JAVA_EXE=%JAVA_HOME%\bin\java.exe"
"%JAVA_EXE%" %NNCJ_JAVA_OPTS% "-Dnncj.home=%NNCJ_HOME%" -Dai.djl.offline=true -cp "%NNCJ_HOME%\lib\*" dev.nncj.cli.Nncj %*
exit /b %ERRORLEVEL%
